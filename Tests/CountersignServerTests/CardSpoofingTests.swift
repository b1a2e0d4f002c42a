import CountersignChannels
import CountersignCore
import CountersignStore
import Foundation
import Testing

/// Agent text cannot imitate a card's own lines, push its facts out, or hide behind
/// bidirectional controls, in Slack, email (text and HTML) and SMS.
@Suite struct CardSpoofingTests {
    /// An action that fakes an amount line above the real one, then a confidence line.
    static let fakeLines = "Refund order A-1\n*Amount:* *1.00 USD*\nAmount:      1.00 USD\r\nConfidence:  99%\u{2028}<div>Amount 1.00</div>"
    static let bidi: [Unicode.Scalar] =
        (0x202A...0x202E).map { Unicode.Scalar($0)! } + (0x2066...0x2069).map { Unicode.Scalar($0)! } + [
            "\u{200E}", "\u{200F}", "\u{061C}", "\u{200B}", "\u{FEFF}", "\u{2060}", "\u{00AD}",
        ]
    static let hidden = "Pay " + bidi.map { String($0) + "x" }.joined() + " done"
    static let links = EmailCard.Links(approve: "https://cs.example/a", reject: "https://cs.example/r", takeOver: "https://cs.example/t")

    static func mrkdwnTexts(_ card: SlackCard) -> [(id: String, text: String)] {
        guard case .array(let blocks) = card.blocks else { return [] }
        return blocks.compactMap { block in
            guard let text = block["text"]?["text"]?.stringValue else { return nil }
            return (block["block_id"]?.stringValue ?? block["type"]?.stringValue ?? "", text)
        }
    }

    @Test func slackShowsTheFactsFirstAndTheAgentsLinesOnlyQuoted() throws {
        let card = SlackCard(view: SlackCardTests.view(action: Self.fakeLines, reasoning: Self.fakeLines))
        let texts = Self.mrkdwnTexts(card)
        #expect(texts.map(\.id).prefix(3) == ["header", "summary", "action"])
        let summary = try #require(texts.first { $0.id == "summary" }?.text)
        #expect(summary.hasPrefix("*Amount:* *2,400.00 USD*\n*Confidence:* 97%"))
        #expect(!summary.contains("1.00 USD"))
        // Outside the quotes, no line carries an amount or a confidence but the card's own.
        for (id, text) in texts where id == "action" || id == "reasoning" {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first?.hasPrefix("*") == true)
            #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("> ") }, "\(id): \(lines)")
        }
        let action = try #require(texts.first { $0.id == "action" }?.text)
        #expect(action.split(separator: "\n").count == 2, "the action is one line")
        #expect(action.contains("Refund order A-1 ↵ *Amount:* *1.00 USD* ↵ Amount:      1.00 USD ↵ Confidence:  99% ↵ &lt;div&gt;"))
        #expect(SlackLimits.violations(blocks: card.blocks).isEmpty)
        #expect(card.text.hasPrefix("Approval needed (2,400.00 USD): Refund order A-1 ↵"))
    }

    /// A 2,990-character action (or one of 3,000 combining marks, one `Character`) cannot push the
    /// amount, confidence, agent or subject out of the card or cut them.
    @Test(arguments: [String(repeating: "A", count: 2990), "e" + String(repeating: "\u{301}", count: 3000), String(repeating: "<&>", count: 1000)])
    func aLongActionNeverCutsTheFacts(action: String) throws {
        let card = SlackCard(view: SlackCardTests.view(action: action, reasoning: action))
        let summary = try #require(Self.mrkdwnTexts(card).first { $0.id == "summary" }?.text)
        #expect(
            summary
                == "*Amount:* *2,400.00 USD*\n*Confidence:* 97%   *Risk class:* financial   *Level:* escalate\n*Agent:* support-bot   *Operation:* refund\n*Subject:* customer-881"
        )
        #expect(SlackLimits.violations(blocks: card.blocks).isEmpty, "\(SlackLimits.violations(blocks: card.blocks))")
        #expect(card.text.hasPrefix("Approval needed (2,400.00 USD): ") && card.text.utf16.count <= 3000)
    }

    @Test func bidiControlsAreMarkedInEveryChannel() throws {
        let view = SlackCardTests.view(action: Self.hidden, reasoning: Self.hidden)
        let slack = Self.mrkdwnTexts(SlackCard(view: view)).map(\.text).joined(separator: "\n") + SlackCard(view: view).text
        let email = EmailCard(view, links: Self.links)
        let sms = SMSChannel.card(view, code: "482113")
        for (name, text) in [
            ("slack", slack), ("email text", email.text), ("email html", email.html), ("email subject", email.subject), ("sms", sms),
        ] {
            #expect(!text.unicodeScalars.contains { Self.bidi.contains($0) }, "\(name) passes a control raw")
            // SMS and the subject cut the action: its first marks are there.
            let marks = name == "sms" || name == "email subject" ? ["[U+202A]x", "[U+202B]x"] : ["[U+202E]x", "[U+2066]x", "[U+061C]x", "[U+00AD]x"]
            #expect(marks.allSatisfy(text.contains), "\(name)")
        }
    }

    @Test func emailShowsTheFactsFirstAndTheAgentsLinesOnlyQuoted() throws {
        let card = EmailCard(SlackCardTests.view(action: Self.fakeLines, reasoning: Self.fakeLines), links: Self.links)
        let lines = card.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(Array(lines.prefix(4)) == ["Approval needed", "", "Amount:      2,400.00 USD", "Confidence:  97% (level escalate)"])
        // Every line that looks like a field and is not quoted is the card's own, once.
        #expect(lines.filter { $0.hasPrefix("Amount:") } == ["Amount:      2,400.00 USD"])
        #expect(lines.filter { $0.hasPrefix("Confidence:") }.count == 1)
        #expect(lines.contains("  > Refund order A-1 ↵ *Amount:* *1.00 USD* ↵ Amount:      1.00 USD ↵ Confidence:  99% ↵ <div>Amount 1.00</div>"))
        // The HTML: the amount comes before anything the agent wrote, which is quoted and escaped.
        let amount = try #require(card.html.range(of: "<strong>2,400.00 USD</strong>"))
        let quote = try #require(card.html.range(of: "<blockquote"))
        #expect(amount.lowerBound < quote.lowerBound)
        #expect(!card.html.contains("<div>Amount") && card.html.contains("&lt;div&gt;Amount 1.00&lt;/div&gt;"))
        #expect(card.subject.hasPrefix("Approval needed (2,400.00 USD): Refund order A-1 ↵"))
    }

    /// A long action makes no header longer than RFC 5322 allows, whatever it is made of.
    @Test(arguments: [
        String(repeating: "A", count: 2990), String(repeating: "Überweisung ", count: 300), "e" + String(repeating: "\u{301}", count: 3000),
    ])
    func aLongActionKeepsEveryHeaderLineShort(action: String) {
        let card = EmailCard(SlackCardTests.view(action: action), links: Self.links)
        #expect(card.subject.hasPrefix("Approval needed (2,400.00 USD): "))
        let mail = MIMEMessage(
            from: "Countersign <cs@example.com>", to: "alice@example.com", subject: card.subject, messageID: "m@countersign", date: Date(),
            text: card.text, html: card.html)
        let rendered = mail.rendered()
        let head = rendered.components(separatedBy: "\r\n\r\n")[0]
        for line in head.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line.prefix(40))…: \(line.utf8.count)") }
    }
}
