import CountersignChannels
import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Fatigue control on email: `notify`-level proposals reach an approver as one periodic digest
/// email, not one email each, and the digest schedule carries on in the outbox.
@Suite struct EmailDigestTests {
    @Test func notifyLevelProposalsReachEmailAsOneDigestAndTheNextWindowIsQueuedOnce() async throws {
        try await withChannelServer(channels: EmailChannelTests.emailChannel(port: 9)) { client, parts, configuration in
            for index in 0..<3 {
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: FatigueControlTests.notifyJSON(index))
                #expect(created.json["level"] as? String == "notify")
            }
            // No email per proposal: only this window's digests, queued at start for every approver with an address.
            var pending: [OutboxMessage] = []
            for _ in 0..<100 {
                pending = try await parts.gateway.store.outbox(status: .pending, limit: 50)
                if pending.contains(where: { $0.id.hasPrefix("digest_email_alice_") }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(pending.allSatisfy { $0.kind != "email" || $0.id.hasPrefix("digest_email_") })
            let digest = try #require(pending.first { $0.id.hasPrefix("digest_email_alice_") })
            let window = try #require(ChannelMessages.Payload(digest.payload))
            let email = try #require(configuration.channels.email)
            let channel = EmailChannel(
                email, publicURL: "https://countersign.example.com", gateway: parts.gateway, approvers: configuration.approvers)

            let mail = try #require(try await channel.render(digest))
            #expect(mail.to == "alice@example.com")
            #expect(mail.subject == "Digest: 3 actions taken with notice")
            for index in 0..<3 { #expect(mail.text.contains("- \(10 + index).00 USD — support-bot: Refund shipping fee \(index)\n")) }
            #expect(mail.html.contains("<li>10.00 USD — support-bot: Refund shipping fee 0</li>"))

            // Rendering it again (a retried delivery) queues the next window once, due at its end.
            _ = try await channel.render(digest)
            let next = try await parts.gateway.store.outbox(status: .pending, limit: 50).filter {
                $0.id.hasPrefix("digest_email_alice_") && $0.id != digest.id
            }
            #expect(next.count == 1)
            #expect(next.first?.nextAttemptAt == window.to?.addingTimeInterval(3600))
        }
    }

    @Test func aDigestOfAnEmptyWindowSendsNothingButKeepsTheSchedule() async throws {
        try await withChannelServer(channels: EmailChannelTests.emailChannel(port: 9)) { _, parts, configuration in
            let from = Date(timeIntervalSince1970: 1_700_000_000)
            let digest = ChannelMessages.digest(approver: "dave", channel: .email, from: from, to: from.addingTimeInterval(600))
            let email = try #require(configuration.channels.email)
            let channel = EmailChannel(
                email, publicURL: "https://countersign.example.com", gateway: parts.gateway, approvers: configuration.approvers)
            #expect(try await channel.render(digest) == nil)
            // The next window's digest is queued (its id names the window's end; the running
            // dispatcher may already have claimed it, which moves its next attempt).
            let next = try await parts.gateway.store.outbox(status: .pending, limit: 50).map(\.id)
            #expect(next.contains("digest_email_dave_1700001200000"), "\(next)")
        }
    }
}
