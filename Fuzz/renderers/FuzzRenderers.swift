// libFuzzer target: every renderer of agent text. The input is a list of text fields cut at
// U+001F (FuzzFields), in this order:
//
//    0 action   1 agent   2 operation   3 subject   4 reasoning   5 impact   6 fallback
//    7 reason detail   8 comment   9 decided by   10 amount   11 currency   12 risk class
//    13 message text   14 first approver / mention   15 reference amount   16 options
//
// Options are letters: a approved, r rejected, t taken over, x expired (else pending), 2 four
// eyes, m a Slack mention, c an SMS code clash. The amount is read as the API reads it
// (Proposal.decode), so it is what a stored proposal can hold.
//
// Oracles, each against the same card rendered with every text replaced by as many `a`s
// ("harmless text of the same shape"):
// - HTML (HTMLText.escape, the email card, the console card, queue, history, login page and
//   dashboard bar chart): the same number of `<`, `>`, `"` and `'` scalars (no text can open a
//   tag or an attribute); the escaper's own invariants on every field (CoreInvariants).
// - Slack: the blocks, written as JSON, parse (ours and Foundation's); they pass SlackLimits; no
//   agent text adds a field line (`*Amount:*`, `*Subject:*`, …) or a `<`/`>` of its own; the
//   amount line is there whenever there is an amount (never cut).
// - Email: no header line over 998 octets, no bare CR or LF in the header, the same headers;
//   the text part has the same field lines (`Amount:` …).
// - SMS: no line break of any kind, the same count of "Reply Y" instructions, the amount shown.
// - Every channel: no bidirectional control (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
//   U+061C) reaches an approver raw (issue 15 §3).
import CountersignChannels
import CountersignCore
import CountersignStore
import Foundation
import FuzzSupport

@testable import CountersignServer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzReport.run(data, size, rendererInvariants)
}

/// The fields that hold text from an agent or an approver (all but amount, currency and options).
let textFields = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14]

func rendererInvariants(_ bytes: [UInt8]) -> [InvariantViolation] {
    let fields = FuzzFields(bytes)
    var violations: [InvariantViolation] = []
    for index in textFields { violations += CoreInvariants.htmlEscaper(fields[index, or: ""]) }
    for index in textFields { violations += slackEscaper(fields[index, or: ""]) }
    var harmless = fields
    for index in textFields where index < harmless.fields.count {
        harmless.fields[index] = String(repeating: "a", count: harmless.fields[index].count)
    }
    let hostile = Rendered(fields)
    let plain = Rendered(harmless)
    violations += hostile.compare(with: plain)
    return violations
}

/// `SlackCard.escape`: no raw `<` or `>` scalar; every `&` starts `&amp;`, `&lt;` or `&gt;`.
func slackEscaper(_ text: String) -> [InvariantViolation] {
    let escaped = SlackCard.escape(text)
    var violations: [InvariantViolation] = []
    if escaped.unicodeScalars.contains(where: { $0 == "<" || $0 == ">" }) {
        violations.append(.init("slack.raw-special", "a raw < or > is left in mrkdwn (issue 15 §2)"))
    }
    let restored = escaped.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&amp;", with: "&")
    if Array(restored.unicodeScalars) != Array(text.unicodeScalars) && !text.contains("&lt;") && !text.contains("&gt;") && !text.contains("&amp;") {
        violations.append(.init("slack.not-reversible", "unescaping the mrkdwn does not give back the text"))
    }
    return violations
}

/// One approval rendered by every renderer.
struct Rendered {
    var hasAmount: Bool
    var amountText: String?
    var slackBlocks: JSONValue
    var slackText: String
    var email: EmailCard
    var emailDecided: EmailCard
    var mime: String
    var sms: String
    var smsDecided: String
    var consoleCard: String
    var consolePages: [String]
    var chart: String
    var texts: [String]

    init(_ fields: FuzzFields) {
        let options = fields[16, or: ""]
        let view = Self.view(fields, options: options)
        let proposal = view.proposal.proposal
        hasAmount = proposal.amount != nil
        amountText = proposal.amount.map { MoneyFormat.format($0, currency: proposal.currency) }
        let card = SlackCard(view: view, mention: options.contains("m") ? fields[14, or: "U0"] : nil)
        slackBlocks = card.blocks
        slackText = card.text
        let links = EmailCard.Links(
            approve: "https://gw.example/email/a?t=1", reject: "https://gw.example/email/r?t=1", takeOver: "https://gw.example/email/m?t=1")
        email = EmailCard(view, links: links)
        emailDecided = EmailCard(decided: view)
        mime = MIMEMessage(
            from: "Countersign <countersign@gw.example>", to: "\(fields[9, or: "alice"]) <alice@example.com>", subject: email.subject,
            messageID: "a1@gw.example", date: Date(timeIntervalSince1970: 1_795_000_000), text: email.text, html: email.html
        ).rendered(boundary: "cs-boundary")
        sms = SMSChannel.card(view, code: options.contains("c") ? nil : "482113")
        smsDecided = SMSChannel.decided(view)
        consoleCard = ConsolePages.card(view, csrf: "csrf-token")
        consolePages = [
            ConsolePages.queue(
                ConsolePages.QueuePage(
                    views: [view], filter: ApprovalFilter(agent: proposal.agent, operation: proposal.operation, riskClass: fields[12, or: "class"]),
                    total: 2,
                    counts: [
                        .agent: [QueueCount(value: proposal.agent, count: 2)], .operation: [QueueCount(value: proposal.operation, count: 1)],
                        .riskClass: [QueueCount(value: fields[12, or: "class"], count: 1)],
                    ],
                    next: nil, isFirstPage: true, notice: .notPending),
                approver: fields[9, or: "alice"], csrf: "csrf-token"),
            ConsolePages.history([view], approver: fields[9, or: "alice"], csrf: "csrf-token"),
            ConsolePages.login(error: fields[optional: 8]),
        ]
        chart = SVGChart.barChart(
            title: fields[12, or: "class"], labels: [proposal.operation, proposal.agent, fields[12, or: "x"]], values: [1, 2, 3],
            format: { String($0) })
        texts =
            Self.strings(slackBlocks) + [slackText, email.subject, email.text, email.html, emailDecided.subject, emailDecided.text, sms, smsDecided]
    }

    /// The approval the fields describe.
    static func view(_ fields: FuzzFields, options: String) -> ApprovalView {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        var proposal = Proposal(
            agent: fields[1, or: "support-bot"], operation: fields[2, or: "refund"], confidence: 0.72, subject: fields[optional: 3],
            action: fields[0, or: "Refund order A-1"], reasoning: fields[optional: 4], impact: fields[optional: 5],
            messages: fields[optional: 13].map { [Message(role: "customer", text: $0)] } ?? [], fallback: fields[optional: 6])
        if let amount = fields[optional: 10] {
            let currency = fields[optional: 11].map { #","currency":"\#($0)""# } ?? ""
            let reference = fields[optional: 15].map { #","reference_amount":\#($0)"# } ?? ""
            let json = #"{"agent":"a","operation":"o","confidence":0.5,"action":"x","amount":\#(amount)\#(currency)\#(reference)}"#
            if let decoded = try? Proposal.decode(json: Array(json.utf8)) {
                proposal.amount = decoded.amount
                proposal.currency = decoded.currency
                proposal.referenceAmount = decoded.referenceAmount
            }
        }
        let status: ApprovalStatus =
            options.contains("a")
            ? .approved : options.contains("r") ? .rejected : options.contains("t") ? .takenOver : options.contains("x") ? .expired : .pending
        let reasons = [Reason(code: "confidence.payments", level: .approve, detail: fields[7, or: "confidence 0.72 is below 0.9"])]
        let verdict = Verdict(level: .approve, riskClass: fields[12, or: "payments"], reasons: reasons, baseLevel: .approve)
        let approval = ApprovalRecord(
            id: "apr_0123456789abcdef", proposalID: "prp_0123456789abcdef", status: status, deadline: now.addingTimeInterval(1800),
            fallback: fields[6, or: "Do not refund; tell the customer a person will follow up."], createdAt: now,
            decidedBy: status == .pending ? nil : fields[9, or: "alice"], decidedAt: status == .pending ? nil : now.addingTimeInterval(60),
            comment: status == .pending ? nil : fields[optional: 8], requiredApprovals: options.contains("2") ? 2 : 1,
            firstApprovedBy: options.contains("2") ? fields[optional: 14] : nil)
        return ApprovalView(
            approval: approval, proposal: ProposalRecord(id: "prp_0123456789abcdef", proposal: proposal, verdict: verdict, createdAt: now))
    }

    /// Every string inside a JSON value.
    static func strings(_ value: JSONValue) -> [String] {
        var strings: [String] = []
        value.forEachString { strings.append($0) }
        return strings
    }

    /// The mrkdwn texts of the Slack sections.
    var slackSections: [String] {
        guard case .array(let blocks) = slackBlocks else { return [] }
        return blocks.compactMap { block in block["type"]?.stringValue == "section" ? block["text"]?["text"]?.stringValue : nil }
    }

    /// The breaks this renders with `plain`'s texts as `self`'s shape.
    func compare(with plain: Rendered) -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        func check(_ ok: Bool, _ invariant: String, _ detail: @autoclosure () -> String) {
            if !ok { violations.append(.init(invariant, detail())) }
        }
        // HTML: no text opens a tag or an attribute.
        let pages: [(String, String, String)] =
            [
                ("email card", email.html, plain.email.html), ("email decided", emailDecided.html, plain.emailDecided.html),
                ("console card", consoleCard, plain.consoleCard), ("dashboard chart", chart, plain.chart),
            ]
            + zip(["queue page", "history page", "login page"], zip(consolePages, plain.consolePages)).map { ($0, $1.0, $1.1) }
        for (name, html, reference) in pages {
            for special in ["<", ">", "\"", "'"] {
                let (count, expected) = (scalars(special, in: html), scalars(special, in: reference))
                check(count == expected, "html.markup-injected", "\(name): \(count) \(special), \(expected) with harmless text (issue 15 §2)")
            }
        }
        // Slack.
        var writer = JSONWriter()
        writer.value(slackBlocks)
        let json = writer.bytes
        let readBack = json.withUnsafeBufferPointer { buffer -> JSONValue? in
            var reader = JSONReader(buffer)
            return try? reader.readValue()
        }
        check(readBack == slackBlocks, "slack.json", "the blocks written as JSON do not read back")
        check((try? JSONSerialization.jsonObject(with: Data(json))) != nil, "slack.json", "Foundation cannot parse the blocks")
        let limits = SlackLimits.violations(blocks: slackBlocks)
        check(limits.isEmpty, "slack.limits", limits.joined(separator: "; "))
        let labels = [
            "*Amount:*", "*Confidence:*", "*Subject:*", "*Reasoning:*", "*Impact:*", "*Deadline:*", "*Fallback", "*Why a human", ":hourglass:",
            "*Risk class:*", ":white_check_mark:", ":x:", ":raising_hand:", ":alarm_clock:",
        ]
        let sectionLines = slackSections.flatMap(lines)
        let plainLines = plain.slackSections.flatMap(lines)
        for label in labels {
            let (count, expected) = (sectionLines.filter { $0.hasPrefix(label) }.count, plainLines.filter { $0.hasPrefix(label) }.count)
            check(count == expected, "slack.field-imitated", "\(count) lines start \(label), \(expected) with harmless text (issue 15 §3)")
        }
        for special in ["<", ">"] {
            let (count, expected) = (
                slackSections.map { scalars(special, in: $0) }.reduce(0, +), plain.slackSections.map { scalars(special, in: $0) }.reduce(0, +)
            )
            check(count == expected, "slack.markup-injected", "\(count) \(special) in mrkdwn, \(expected) with harmless text")
        }
        if let amountText {
            check(
                sectionLines.contains { $0.hasPrefix("*Amount:*") && $0.contains(amountText) }, "slack.amount-hidden",
                "the amount line is missing or cut (issue 15 §3)")
        }
        // Email.
        let header = mime.components(separatedBy: "\r\n\r\n").first ?? ""
        let headerLines = header.components(separatedBy: "\r\n")
        let plainHeader = (plain.mime.components(separatedBy: "\r\n\r\n").first ?? "").components(separatedBy: "\r\n")
        check(headerLines.allSatisfy { $0.utf8.count <= 998 }, "email.header-too-long", "a header line over 998 octets (issue 15 §8)")
        check(
            headerLines.allSatisfy { !$0.unicodeScalars.contains { $0 == "\r" || $0 == "\n" } }, "email.header-bare-newline",
            "a bare CR or LF in the header")
        let names = { (lines: [String]) in lines.filter { !$0.hasPrefix(" ") && !$0.hasPrefix("\t") }.map { $0.prefix { $0 != ":" } } }
        check(names(headerLines) == names(plainHeader), "email.header-injected", "the header names differ from the harmless card's")
        let textLabels = [
            "Amount:", "Agent:", "Confidence:", "Reasoning:", "Held because:", "Deadline:", "If nobody answers:", "Four eyes:", "Approve:",
            "Reject:", "Take over:",
        ]
        let textLines = lines(email.text)
        let plainTextLines = lines(plain.email.text)
        for label in textLabels {
            let (count, expected) = (textLines.filter { $0.hasPrefix(label) }.count, plainTextLines.filter { $0.hasPrefix(label) }.count)
            check(count == expected, "email.field-imitated", "\(count) text lines start \(label), \(expected) with harmless text (issue 15 §3)")
        }
        // SMS.
        for (name, body) in [("card", sms), ("decided", smsDecided)] {
            check(
                !body.unicodeScalars.contains { "\r\n\u{0B}\u{0C}\u{85}\u{2028}\u{2029}".unicodeScalars.contains($0) }, "sms.line-break",
                "the \(name) text has a line break")
        }
        check(
            sms.components(separatedBy: "Reply Y").count == plain.sms.components(separatedBy: "Reply Y").count, "sms.field-imitated",
            "agent text adds a reply instruction to the SMS (issue 15 §3)")
        if let amountText { check(sms.contains("(\(amountText))"), "sms.amount-hidden", "the SMS does not show the amount") }
        // Bidirectional controls.
        let bidi: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
        for text in texts + pages.map(\.1) where text.unicodeScalars.contains(where: { bidi.contains($0.value) }) {
            violations.append(.init("bidi.raw", "a bidirectional control reaches an approver raw (issue 15 §3)"))
            break
        }
        return violations
    }

    /// The lines of `text`, cut at every LF scalar (a `Character` split would keep a CR that agent
    /// text ends with and the card's own LF together as one CR LF character).
    func lines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
    }

    func scalars(_ special: String, in text: String) -> Int {
        let scalar = special.unicodeScalars.first!
        return text.unicodeScalars.reduce(0) { $0 + ($1 == scalar ? 1 : 0) }
    }
}
