import CountersignChannels
import CountersignGateway
import CountersignStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Webhook deliveries never follow a redirect: a 3xx is a failed attempt (retried by the outbox),
/// and the signed delivery never reaches the host the `Location` names.
@Suite struct WebhookRedirectTests {
    /// Requests the host a redirect points at received (it should receive none).
    final class Trap: Sendable {
        let hits = Mutex([String]())
    }

    /// A local HTTP server: `handler` answers every POST to any path.
    static func withServer<Value: Sendable>(
        _ handler: @escaping @Sendable (Request) async throws -> Response, _ body: @Sendable (Int) async throws -> Value
    ) async throws -> Value {
        let router = Router()
        router.post("**") { request, _ in try await handler(request) }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await application.test(.live) { client in try await body(client.port!) }
    }

    static let secret = "whsec_" + Data((0..<24).map { UInt8($0) }).base64EncodedString()

    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectFailsTheAttemptAndIsNeverFollowed(status: Int) async throws {
        let trap = Trap()
        try await Self.withServer({ request in
            trap.hits.withLock { $0.append(request.uri.path) }
            return Response(status: .noContent)
        }) { trapPort in
            try await Self.withServer({ _ in
                Response(status: .init(code: status), headers: [.location: "http://127.0.0.1:\(trapPort)/steal"])
            }) { port in
                let channel = WebhookChannel(secrets: ["support-bot": Self.secret], timeout: 10)
                let message = OutboxMessage(
                    id: "msg-\(status)", kind: "webhook", destination: "http://127.0.0.1:\(port)/hook", owner: "support-bot",
                    payload: #"{"type":"approval.decided"}"#, nextAttemptAt: Date(), createdAt: Date())
                let error = await #expect(throws: OutboxDeliveryError.self) { try await channel.deliver(message) }
                #expect(error?.permanent == false, "a redirect is retried under the outbox rules")
                #expect(error?.description.contains("redirect") == true, "\(String(describing: error))")
            }
        }
        #expect(trap.hits.withLock { $0 }.isEmpty, "the Location was visited")
    }

    @Test func aDirectAnswerIsStillDelivered() async throws {
        let seen = Trap()
        try await Self.withServer({ request in
            seen.hits.withLock { $0.append(request.headers[HTTPField.Name("webhook-id")!] ?? "") }
            return Response(status: .noContent)
        }) { port in
            let channel = WebhookChannel(secrets: ["support-bot": Self.secret], timeout: 10)
            let message = OutboxMessage(
                id: "msg-ok", kind: "webhook", destination: "http://127.0.0.1:\(port)/hook", owner: "support-bot",
                payload: #"{"type":"approval.decided"}"#, nextAttemptAt: Date(), createdAt: Date())
            try await channel.deliver(message)
        }
        #expect(seen.hits.withLock { $0 } == ["msg-ok"])
    }
}
