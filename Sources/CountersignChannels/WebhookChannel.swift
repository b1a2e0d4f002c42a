import CountersignGateway
import CountersignStore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Delivers `webhook` outbox messages: a signed JSON POST to the agent's URL. 2xx is delivered;
/// a redirect (3xx) is never followed and fails the attempt (retried, like 408, 429, 5xx and
/// network errors: the receiver may be moving); other 4xx are permanent.
public struct WebhookChannel: OutboxDelivery {
    public let kind = "webhook"
    /// Signing secrets by agent name (from the environment, never stored).
    private let signers: [String: StandardWebhookSigner]
    private let session: NoRedirectSession
    private let timeout: TimeInterval

    public init(secrets: [String: String], timeout: TimeInterval = 10) {
        signers = secrets.mapValues(StandardWebhookSigner.init(secret:))
        session = NoRedirectSession(timeout: timeout)
        self.timeout = timeout
    }

    public func deliver(_ message: OutboxMessage) async throws {
        guard let signer = signers[message.owner] else {
            throw OutboxDeliveryError("no webhook secret is configured for agent \(message.owner)", permanent: true)
        }
        guard let url = URL(string: message.destination), url.scheme == "https" || url.scheme == "http" else {
            throw OutboxDeliveryError("not an http(s) URL", permanent: true)
        }
        let body = Array(message.payload.utf8)
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("countersign-webhooks", forHTTPHeaderField: "User-Agent")
        for header in signer.headers(id: message.id, timestamp: Date(), body: body) {
            request.setValue(header.value, forHTTPHeaderField: header.name)
        }
        let status: Int
        do {
            status = try await session.data(for: request).1.statusCode
        } catch {
            throw OutboxDeliveryError("the receiver could not be reached", permanent: false)
        }
        switch status {
        case 200..<300: return
        case 300..<400: throw OutboxDeliveryError("the receiver answered \(status), a redirect, which webhooks never follow", permanent: false)
        case 408, 429, 500...: throw OutboxDeliveryError("the receiver answered \(status)", permanent: false)
        default: throw OutboxDeliveryError("the receiver refused the webhook with \(status)", permanent: true)
        }
    }
}
