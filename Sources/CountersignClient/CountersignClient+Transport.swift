import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension CountersignClient {
    struct Response {
        var status: Int
        var data: Data
    }

    private struct ErrorBody: Decodable {
        struct Inner: Decodable {
            var code: String
            var message: String?
        }
        var error: Inner
    }

    /// One API call, retried per `configuration.retry` when it fails in transit or with 5xx/429.
    /// 2xx returns; 4xx throws `.refused` (or returns, when it is `repeatIsSuccess` after a retry).
    func send(
        _ method: String, path: String, body: Data? = nil, retrying: Bool = true, readTimeout: Duration? = nil,
        repeatIsSuccess: String? = nil
    ) async throws -> Response {
        let attempts = retrying ? configuration.retry.maxAttempts : 1
        var lastFailure = ""
        for attempt in 1...attempts {
            try Task.checkCancellation()
            if attempt > 1 { try await Task.sleep(for: configuration.retry.backoff(afterFailures: attempt - 1)) }
            let outcome: Response
            do {
                outcome = try await once(method, path: path, body: body, readTimeout: readTimeout)
            } catch let error as CancellationError {
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
                lastFailure = Self.describe(error)
                continue
            }
            switch outcome.status {
            case 200..<300:
                return outcome
            case 429, 500...599:
                lastFailure = "HTTP \(outcome.status) \(errorCode(outcome.data) ?? "")"
                continue
            default:
                let code = errorCode(outcome.data) ?? "http_\(outcome.status)"
                if attempt > 1, let repeatIsSuccess, code == repeatIsSuccess { return outcome }
                throw CountersignError.refused(status: outcome.status, code: code, message: errorMessage(outcome.data) ?? "")
            }
        }
        throw CountersignError.network(
            "\(method) \(path.split(separator: "?").first ?? ""): \(lastFailure) (after \(attempts) attempt\(attempts == 1 ? "" : "s"))")
    }

    private func once(_ method: String, path: String, body: Data?, readTimeout: Duration?) async throws -> Response {
        guard let url = URL(string: configuration.baseURL.absoluteString.trimmingSuffix("/") + path) else {
            throw CountersignError.invalidResponse("bad URL for \(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("Bearer \(configuration.agentKey)", forHTTPHeaderField: "Authorization")
        if let readTimeout { request.timeoutInterval = readTimeout.seconds }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        return Response(status: http.statusCode, data: data)
    }

    private func errorCode(_ data: Data) -> String? { (try? JSONDecoder().decode(ErrorBody.self, from: data))?.error.code }
    private func errorMessage(_ data: Data) -> String? { (try? JSONDecoder().decode(ErrorBody.self, from: data))?.error.message }

    static func describe(_ error: any Error) -> String {
        if let error = error as? URLError { return "URLError \(error.code.rawValue) (\(error.localizedDescription))" }
        return String(describing: type(of: error))
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
