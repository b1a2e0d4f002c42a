import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A URL session that never follows a redirect: a 3xx answer is the response, and its `Location`
/// is never visited. A followed redirect would re-send a signed delivery (a 307 re-POSTs it, with
/// every header) to a host nobody allowed, and an API token to a host nobody trusts.
///
/// Tasks are driven by the session's delegate, the one path on which every Foundation (Darwin's
/// and swift-corelibs-foundation's) asks before redirecting; completion-handler and async tasks
/// follow redirects without asking on Linux.
public final class NoRedirectSession: Sendable {
    private let session: URLSession
    private let delegate: Delegate

    public init(timeout: TimeInterval) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        delegate = Delegate()
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends `request`; returns the body and the first response, redirect or not.
    public func data(for request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                delegate.start(task, continuation)
            }
        } onCancel: {
            task.cancel()
        }
    }

    final class Delegate: NSObject, URLSessionDataDelegate, Sendable {
        private struct Running {
            var continuation: CheckedContinuation<(Data, HTTPURLResponse), any Error>
            var data = Data()
        }

        private let running = Mutex([Int: Running]())

        func start(_ task: URLSessionDataTask, _ continuation: CheckedContinuation<(Data, HTTPURLResponse), any Error>) {
            running.withLock { $0[task.taskIdentifier] = Running(continuation: continuation) }
            task.resume()
        }

        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
            completionHandler: @escaping @Sendable (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
        ) {
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            running.withLock { $0[dataTask.taskIdentifier]?.data.append(data) }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            guard let finished = running.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
            if let error {
                finished.continuation.resume(throwing: error)
            } else if let response = task.response as? HTTPURLResponse {
                finished.continuation.resume(returning: (finished.data, response))
            } else {
                finished.continuation.resume(throwing: URLError(.badServerResponse))
            }
        }
    }
}
