import CountersignChannels
import CountersignCore
import Foundation
import Testing

@testable import CountersignChannels

@Suite("SMTP replies, dot-stuffing, MIME headers and link tokens")
struct SMTPProtocolTests {
    @Test(arguments: [
        (["220 mail.example.com ESMTP ready"], SMTPReply(code: 220, lines: ["mail.example.com ESMTP ready"])),
        (
            ["250-mail.example.com", "250-STARTTLS", "250-AUTH PLAIN LOGIN", "250 8BITMIME"],
            SMTPReply(code: 250, lines: ["mail.example.com", "STARTTLS", "AUTH PLAIN LOGIN", "8BITMIME"])
        ),
        (["354"], SMTPReply(code: 354, lines: [""])),
        (["451-4.3.0 temporary", "451 4.3.0 failure"], SMTPReply(code: 451, lines: ["4.3.0 temporary", "4.3.0 failure"])),
    ])
    func multiLineRepliesAreAssembled(lines: [String], expected: SMTPReply) throws {
        var parser = SMTPReplyParser()
        var reply: SMTPReply?
        for (index, line) in lines.enumerated() {
            reply = try parser.feed(line)
            #expect((reply == nil) == (index < lines.count - 1))
        }
        #expect(reply == expected)
    }

    @Test(arguments: [["hello"], ["25 short"], ["250-first", "251 other code"], ["2x0 nope"], ["250_bad separator"]])
    func malformedRepliesAreRefused(lines: [String]) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPError.self) {
            for line in lines { _ = try parser.feed(line) }
        }
    }

    @Test(arguments: [(421, true), (450, true), (500, false), (550, false), (554, false)])
    func negativeRepliesAreTransientOnlyIn4xx(code: Int, transient: Bool) {
        #expect(SMTPError.reply(SMTPReply(code: code, lines: ["x"]), to: "RCPT TO").transient == transient)
    }

    @Test(arguments: [
        ("a\nb\n", "a\r\nb\r\n.\r\n"),
        (".hidden\n..two\nmid.dle\n", "..hidden\r\n...two\r\nmid.dle\r\n.\r\n"),
        ("x\r\n.\r\ny", "x\r\n..\r\ny\r\n.\r\n"),
        ("", ".\r\n"),
    ])
    func dataIsDotStuffed(message: String, wire: String) {
        #expect(SMTPDotStuffing.encode(message) == wire)
    }

    @Test(arguments: [
        ("Approval needed: Refund", "Approval needed: Refund"),
        ("Rückerstattung", "=?utf-8?B?UsO8Y2tlcnN0YXR0dW5n?="),
        ("line\r\nBcc: evil@example.com", "line  Bcc: evil@example.com"),
    ])
    func headersAreEncodedWords(text: String, encoded: String) {
        #expect(MIMEMessage.encodeWord(text) == encoded)
    }

    @Test func longNonASCIISubjectsFoldIntoWordsUnder76Characters() {
        let encoded = MIMEMessage.encodeWord(String(repeating: "Überweisung ", count: 12))
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?utf-8?B?") })
    }

    @Test(arguments: [("Countersign <cs@example.com>", "cs@example.com"), ("cs@example.com", "cs@example.com"), (" <a@b.c> ", "a@b.c")])
    func envelopeAddresses(mailbox: String, address: String) {
        #expect(SMTPClient.address(mailbox) == address)
    }

    @Test(arguments: ["alice@example.com\r\nRCPT TO:<mallory@example.com>", "a@b.c> NOTIFY=NEVER", "", "a b@c.d"])
    func addressesThatCouldInjectCommandsAreRefusedBeforeConnecting(address: String) async {
        // Port 9 (discard) is never contacted: the address is refused first, as a permanent failure.
        let client = SMTPClient(configuration: .init(host: "127.0.0.1", port: 9, startTLS: .never, timeout: .seconds(2)))
        let error = await #expect(throws: SMTPError.self) { try await client.send(from: "cs@example.com", to: [address], message: "x") }
        #expect(error?.transient == false)
    }

    @Test func linkTokensRoundTripAndBindEveryField() throws {
        let secret = Array("link-secret-0123456789abcdef".utf8)
        let expiry = Date(timeIntervalSince1970: 2_000_000_000)
        let token = DecisionLinkToken(approvalID: "0193-abc", decision: .takeOver, approver: "alice", expiresAt: expiry)
        let text = token.encoded(secret: secret)
        #expect(!text.contains("+") && !text.contains("/") && !text.contains("="), "URL-safe")
        #expect(try DecisionLinkToken.verify(text, secret: secret, now: expiry.addingTimeInterval(-1)) == token)
        #expect(throws: DecisionLinkToken.Refusal.expired(token)) { try DecisionLinkToken.verify(text, secret: secret, now: expiry) }
        #expect(throws: DecisionLinkToken.Refusal.invalid) { try DecisionLinkToken.verify(text, secret: Array("other".utf8), now: .distantPast) }
        // Flipping any one character of the token invalidates it.
        for index in text.indices where text[index] != "." {
            var altered = text
            altered.replaceSubrange(index...index, with: text[index] == "A" ? "B" : "A")
            #expect(throws: DecisionLinkToken.Refusal.self) { try DecisionLinkToken.verify(altered, secret: secret, now: .distantPast) }
        }
    }
}
