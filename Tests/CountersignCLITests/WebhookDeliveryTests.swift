import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

/// Signed webhooks to agents through the outbox, against the real `countersign serve` and a real
/// receiver (a Hummingbird server in the test) that checks signatures with its own code and
/// dedupes by `webhook-id`, as Standard Webhooks asks of receivers.
@Suite struct WebhookDeliveryTests {
    /// What the receiver got.
    final class Inbox: Sendable {
        struct Delivery: Sendable {
            var id: String
            var timestamp: String
            var signature: String
            var body: [UInt8]
        }

        let deliveries = Mutex([Delivery]())
        /// Seconds to hold each of the first requests before answering (to crash the server mid-send).
        let holdFirst = Mutex(0)

        var all: [Delivery] { deliveries.withLock { $0 } }
        var uniqueIDs: Set<String> { Set(all.map(\.id)) }
    }

    /// Runs a receiver on a free port while `body` runs.
    func withReceiver(_ inbox: Inbox, _ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("hook") { request, context -> Response in
            let bytes = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let delivery = Inbox.Delivery(
                id: request.headers[HTTPField.Name("webhook-id")!] ?? "", timestamp: request.headers[HTTPField.Name("webhook-timestamp")!] ?? "",
                signature: request.headers[HTTPField.Name("webhook-signature")!] ?? "", body: bytes)
            inbox.deliveries.withLock { $0.append(delivery) }
            let hold = inbox.holdFirst.withLock { hold -> Bool in
                defer { hold = max(hold - 1, 0) }
                return hold > 0
            }
            if hold { try await Task.sleep(for: .seconds(30)) }
            return Response(status: .noContent)
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            try await body(port.withLock { $0 }!)
            group.cancelAll()
        }
    }

    /// The receiver's own check: HMAC-SHA256 over "{id}.{timestamp}.{body}" with the secret's bytes.
    static func verify(_ delivery: Inbox.Delivery, secret: String) -> Bool {
        let key = SymmetricKey(data: Data(base64Encoded: String(secret.dropFirst("whsec_".count)))!)
        var signed = Data("\(delivery.id).\(delivery.timestamp).".utf8)
        signed.append(contentsOf: delivery.body)
        let expected = "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: key)).base64EncodedString()
        return delivery.signature.split(separator: " ").contains { $0 == expected }
    }

    func configuration(port: Int) throws -> String {
        try CLIRunner.temporaryFile(
            """
            agents:
              - name: support-bot
                key_env: CS_HOOK_AGENT_KEY
                webhook: {url: "http://127.0.0.1:\(port)/hook", secret_env: CS_HOOK_SECRET}
            approvers:
              - {name: alice, token_env: CS_HOOK_ALICE}
            """)
    }

    let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    let agentKey = "agent-key-" + UUID().uuidString
    let aliceToken = "alice-token-" + UUID().uuidString
    var environment: [String: String] { ["CS_HOOK_AGENT_KEY": agentKey, "CS_HOOK_SECRET": secret, "CS_HOOK_ALICE": aliceToken] }

    static let refund = #"{"agent":"support-bot","operation":"refund","confidence":0.9,"amount":120,"action":"Refund order A-1"}"#

    @Test func aDecisionReachesTheAgentAsASignedWebhook() async throws {
        let inbox = Inbox()
        try await withReceiver(inbox) { port in
            let config = try configuration(port: port)
            let server = try await ServerProcess.start(configPath: config, environment: environment)
            defer { server.cleanUp() }
            let proposed = try await server.client(token: agentKey).post("/v1/proposals", Self.refund)
            let approval = try #require(proposed.string("approval", "id"))
            let decided = try await server.client(token: aliceToken).post(
                "/v1/approvals/\(approval)/decision", #"{"decision":"reject","comment":"no"}"#)
            #expect(decided.status == 200)
            let deadline = ContinuousClock.now + .seconds(10)
            while inbox.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let delivery = try #require(inbox.all.first)
            #expect(Self.verify(delivery, secret: secret), "signature \(delivery.signature)")
            #expect(abs(Double(delivery.timestamp)! - Date().timeIntervalSince1970) < 60)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])
            #expect(body["type"] as? String == "approval.decided")
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["approval_id"] as? String == approval)
            #expect(data["status"] as? String == "rejected")
            #expect(data["execute"] as? Bool == false)
            // A tampered body fails the receiver's check.
            var forged = delivery
            forged.body = Array(String(decoding: delivery.body, as: UTF8.self).replacingOccurrences(of: "rejected", with: "approved").utf8)
            #expect(!Self.verify(forged, secret: secret))
        }
    }

    @Test func aCrashBetweenTheDecisionAndItsDeliveryStillDeliversOnce() async throws {
        let inbox = Inbox()
        inbox.holdFirst.withLock { $0 = 1 }
        try await withReceiver(inbox) { port in
            let config = try configuration(port: port)
            let server = try await ServerProcess.start(configPath: config, environment: environment)
            defer { server.cleanUp() }
            let proposed = try await server.client(token: agentKey).post("/v1/proposals", Self.refund)
            let approval = try #require(proposed.string("approval", "id"))
            _ = try await server.client(token: aliceToken).post("/v1/approvals/\(approval)/decision", #"{"decision":"approve"}"#)
            // The first delivery is in flight (the receiver holds it): kill the server mid-send.
            let deadline = ContinuousClock.now + .seconds(10)
            while inbox.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try #require(inbox.all.count == 1)
            await server.kill9()
            try await server.start()
            let redelivered = ContinuousClock.now + .seconds(15)
            while inbox.all.count < 2, ContinuousClock.now < redelivered { try await Task.sleep(for: .milliseconds(20)) }
            #expect(inbox.all.count >= 2, "the unfinished delivery is sent again after the restart")
            #expect(inbox.uniqueIDs.count == 1, "every attempt carries the same webhook-id: a deduping receiver acts once")
            #expect(inbox.all.allSatisfy { Self.verify($0, secret: secret) })
            // The outbox records it delivered; nothing is left pending or dead.
            let alice = server.client(token: aliceToken)
            let settle = ContinuousClock.now + .seconds(10)
            var delivered = 0
            while delivered == 0, ContinuousClock.now < settle {
                delivered = ((try await alice.get("/v1/outbox?status=delivered"))["items"] as? [Any])?.count ?? 0
                if delivered == 0 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(delivered == 1)
            #expect(((try await alice.get("/v1/outbox?status=pending"))["items"] as? [Any])?.isEmpty == true)
        }
    }
}
