import CountersignChannels
import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// One stored proposal whose every agent-written field carries markup behind characters that
/// join into one grapheme cluster with it (U+0600 before `<`, U+0301 after `"`), and a
/// bidirectional override: no page, card or message shows the markup raw, or the control.
@Suite struct HostileTextRenderingTests {
    /// `<meta http-equiv=refresh>` that a `Character`-based escaper would pass: `<` follows U+0600
    /// (which joins it), each `"` is followed by U+0301 (which joins it).
    static let meta = "\u{0600}<meta http-equiv=\"\u{301}refresh\"\u{301} content=\"\u{301}0;url=https://evil.example/\"\u{301}>"
    static let payload = "x" + meta + "\u{202E}"
    static let operation = "op" + meta

    /// Whether `text` holds the markup raw (a tag, or an attribute quote, as a browser reads it).
    static func holdsRawMarkup(_ text: String) -> Bool {
        text.unicodeScalars.split(separator: "\u{0600}").dropFirst().contains { after in after.first == "<" }
            || text.contains("<meta http-equiv") || text.unicodeScalars.contains("\u{202E}")
            || text.unicodeScalars.indices.contains { index in
                text.unicodeScalars[index] == "\"" && text.unicodeScalars.index(after: index) < text.unicodeScalars.endIndex
                    && text.unicodeScalars[text.unicodeScalars.index(after: index)] == "\u{301}"
            }
    }

    static func proposalJSON(key: String) -> String {
        func json(_ text: String) -> String {
            var writer = JSONWriter(capacity: 256)
            writer.string(text)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        return
            #"{"idempotency_key":"\#(key)","agent":"support-bot","operation":\#(json(operation)),"confidence":0.75,"amount":120,"currency":"USD","subject":\#(json("c" + meta)),"action":\#(json(payload)),"reasoning":\#(json(payload)),"impact":\#(json(payload)),"fallback":\#(json(payload))}"#
    }

    @Test(arguments: StoreKind.allCases) func theMarkupNeverAppearsRawInAnyRenderer(on kind: StoreKind) async throws {
        let channels = ServerConfiguration.Channels(
            email: .init(
                host: "127.0.0.1", port: 9, startTLS: "never", username: nil, password: nil, trustRootsFile: nil, timeout: 5,
                from: "Countersign <countersign@example.com>", linkSecret: Secret(emailLinkSecret)))
        try await withChannelServer(on: kind, channels: channels) { client, parts, configuration in
            // One pending, one decided (the history and the dashboard's reliability diagram).
            let proposed = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: Self.proposalJSON(key: "hostile-1"))
            #expect(proposed.status == .created, "\(proposed.json)")
            let pendingID = try #require(proposed.json[path: "approval", "id"] as? String)
            let decided = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: Self.proposalJSON(key: "hostile-2"))
            let decidedID = try #require(decided.json[path: "approval", "id"] as? String)
            _ = try await parts.gateway.decide(approvalID: decidedID, .approve, comment: Self.payload, by: .approver("alice", .unlimited))

            let cookie = try await ConsoleDashboardTests().signIn(client)
            for page in ["/", "/history", "/dashboard", "/dashboard?since=30d"] {
                let (status, _, html) = try await ConsoleDashboardTests().get(client, page, cookie: cookie)
                #expect(status == .ok, "\(page)")
                #expect(html.contains("[U+202E]") || page.hasPrefix("/dashboard"), "\(page) marks the override visibly")
                #expect(!Self.holdsRawMarkup(html), "\(page)")
            }
            let (_, _, dashboard) = try await ConsoleDashboardTests().get(client, "/dashboard", cookie: cookie)
            #expect(dashboard.contains("Reliability of op[U+0600]&lt;meta"), "the operation name in the SVG is escaped")

            // The live queue's card (the SSE event's html).
            let view = try #require(try await parts.gateway.currentApproval(id: pendingID))
            let event = String(decoding: ConsoleController.eventJSON(view, csrf: "csrf-token", policy: parts.gateway.policy), as: UTF8.self)
            let html = try #require((try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])?["html"] as? String, "\(event)")
            #expect(!Self.holdsRawMarkup(html))
            #expect(html.contains("[U+0600]&lt;meta"))

            // The email card (text and HTML) and the decision page the link opens.
            let channel = EmailChannel(
                configuration.channels.email!, publicURL: configuration.http.publicURL!, gateway: parts.gateway, approvers: configuration.approvers)
            let mail = try #require(try await channel.render(channelMessage(kind: "email", approver: "alice", approvalID: pendingID)))
            #expect(!Self.holdsRawMarkup(mail.html))
            #expect(!mail.text.unicodeScalars.contains("\u{202E}") && mail.text.contains("[U+202E]"))
            #expect(!mail.rendered().unicodeScalars.contains { DisplayText.isConcealing($0) })
            let notice = try #require(
                try await channel.render(channelMessage(kind: "email", approver: "alice", approvalID: decidedID, event: "decided")))
            #expect(!Self.holdsRawMarkup(notice.html))
            let link = try #require(channel.links(view, recipient: "alice").approve)
            let path = String(link.dropFirst("https://countersign.example.com".count))
            let confirmation = try await client.page(.get, path)
            #expect(confirmation.status == .ok)
            #expect(!Self.holdsRawMarkup(confirmation.text))
            #expect(confirmation.text.contains("[U+0600]&lt;meta"))

            // Slack's card: in its mrkdwn texts only its own mention and date constructs use < and >
            // (the header is plain_text, which Slack never parses: markup there is only text).
            let card = SlackCard(view: view, mention: "U0ALICE")
            let texts = CardSpoofingTests.mrkdwnTexts(card).filter { $0.id != "header" }.map(\.text).joined(separator: "\n")
            let stripped = texts.replacing(/<@U0ALICE>|<!date\^[^>]*>/, with: "")
            // (Quotes mean nothing in mrkdwn, and `>` starts the card's own quote lines.)
            #expect(!stripped.unicodeScalars.contains { $0 == "<" || $0 == "\u{202E}" }, "\(stripped)")
            #expect(!card.text.unicodeScalars.contains { $0 == "<" || $0 == ">" || $0 == "\u{202E}" })
            #expect(SMSChannel.card(view, code: "482113").unicodeScalars.allSatisfy { !DisplayText.isConcealing($0) })
        }
    }
}
