import CountersignChannels
import CountersignCore
import CountersignGateway
import CountersignTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Issue 17, item 6, on each channel: a reminder says it is one, names the deadline, and keeps the
/// card's answers; on Slack it is a reply in the card's thread (Slack notifies the approver of it).
@Suite struct ReminderChannelTests {
    @Test func emailAndSMSRemindersSayWhatTheyAre() {
        let view = SMSChannelTests.view(action: "Refund A-1", amount: 120)
        let links = EmailCard.Links(approve: "https://cs.example/a", reject: "https://cs.example/r", takeOver: "https://cs.example/t")
        let email = EmailCard(view, links: links, reminder: true)
        #expect(email.subject == "Reminder: approval needed (120.00 EUR): Refund A-1")
        #expect(email.text.hasPrefix("Reminder: approval needed\n\nNobody has answered yet. Decide by 2027-01-15 08:00 UTC"))
        #expect(email.text.contains("Approve:   https://cs.example/a"))
        #expect(email.html.contains("Nobody has answered yet."))
        #expect(EmailCard(view, links: links).subject == "Approval needed (120.00 EUR): Refund A-1")
        #expect(
            SMSChannel.card(view, code: "482113", reminder: true)
                == #"Countersign reminder, 120.00 EUR: reply Y 482113 approve, N 482113 reject, M 482113 take over, by 08:00 UTC. "Refund A-1""#)
    }

    /// The whole path: the timer queued with the proposal comes due (a 4 s timeout, reminded 3 s
    /// before the deadline), the dispatcher delivers it, and the reminders reach Slack.
    @Test func theTimerComesDueAndTheRemindersGoOut() async throws {
        let policy = {
            var policy = Policy.default
            policy.approvals.remindBefore = 3
            return policy
        }()
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(slackURL: baseURL, policy: policy) { client, parts in
                let body = slackRefundJSON().replacingOccurrences(of: #""confidence":0.9,"#, with: #""confidence":0.9,"timeout":"4s","#)
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                let all = try await slack.waitFor("/api/chat.postMessage", count: 4)
                #expect(all.filter { $0.body["thread_ts"] != nil }.count == 2)
                let kinds = try await parts.gateway.store.auditEntries(after: 0, limit: 100).filter { $0.event.approvalID == approvalID }.map(
                    \.event.kind)
                #expect(kinds.contains("reminder"))
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSlackReminderIsAReplyInTheCardsThread(on kind: StoreKind) async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(on: kind, slackURL: baseURL) { client, parts in
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON())
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                let cards = try await slack.waitFor("/api/chat.postMessage", count: 2)
                // The posts are recorded once Slack has answered: wait for both (a condition; the
                // attempt count only turns a lost post into a failure instead of a hang).
                var posted: [String: String] = [:]
                for _ in 0..<750 where posted.count < 2 {
                    posted = [:]
                    for post in try await parts.gateway.channelPosts(approvalID: approvalID) { posted[post.approver] = post.messageID }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(Set(posted.keys) == ["alice", "bob"])
                #expect(try await parts.gateway.remind(approvalID: approvalID).sorted() == ["alice", "bob"])
                let all = try await slack.waitFor("/api/chat.postMessage", count: cards.count + 2)
                let replies = all.filter { $0.body["thread_ts"] != nil }
                #expect(replies.count == 2)
                #expect(Set(replies.compactMap { $0.body["thread_ts"] as? String }) == Set(posted.values))
                #expect(replies.allSatisfy { ($0.body["text"] as? String)?.contains("Reminder: nobody has answered yet. Decide by") == true })
                // Decided: a reminder delivered late says nothing.
                _ = try await parts.gateway.decide(approvalID: approvalID, .approve, comment: nil, by: .approver("alice", .unlimited))
                #expect(try await parts.gateway.remind(approvalID: approvalID).isEmpty)
            }
        }
    }
}
