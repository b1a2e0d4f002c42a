import CountersignChannels
import CountersignTestSupport
import Foundation
import Testing

/// Slack request signing, checked against Slack's own SDK (`slack_sdk.signature.SignatureVerifier`
/// in the venv named by COUNTERSIGN_TEST_VENV; `.ci/run` installs it) and against Slack's documented example.
@Suite struct SlackSignatureTests {
    static let venv = ProcessInfo.processInfo.environment["COUNTERSIGN_TEST_VENV"]

    /// The example from Slack's "Verifying requests from Slack" page.
    @Test func slacksDocumentedExampleVerifies() throws {
        let body = Array(
            "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
                .utf8)
        let signature = SlackRequestVerifier.signature(secret: "8f742231b10e8888abcd99yyyzzz85a5", timestamp: "1531420618", body: body)
        #expect(signature == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
        let verifier = SlackRequestVerifier(signingSecret: "8f742231b10e8888abcd99yyyzzz85a5")
        let at = Date(timeIntervalSince1970: 1_531_420_618 + 10)
        #expect(throws: Never.self) { try verifier.verify(timestamp: "1531420618", signature: signature, body: body, now: at) }
        #expect(throws: SlackRequestVerifier.Refusal.replayed) {
            try verifier.verify(timestamp: "1531420618", signature: signature, body: body, now: at)
        }
    }

    /// Slack sends lower-case hex. The same code in upper or mixed case is another spelling of a
    /// signature already used: it must not pass the replay check as a new request.
    @Test(arguments: ["upper", "alternate", "one letter"])
    func aSignatureInAnotherCaseIsNeitherValidNorAReplayBypass(spelling: String) throws {
        let secret = "secret-0123456789"
        let body = Array("payload=%7B%7D".utf8)
        let timestamp = "1700000000"
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let signature = SlackRequestVerifier.signature(secret: secret, timestamp: timestamp, body: body)
        let verifier = SlackRequestVerifier(signingSecret: secret)
        try verifier.verify(timestamp: timestamp, signature: signature, body: body, now: now)
        let hex = Array(signature.dropFirst(3))
        let letter = hex.firstIndex { $0.isLetter } ?? 0
        let respelled =
            "v0="
            + String(
                hex.enumerated().map { index, digit in
                    switch spelling {
                    case "upper": Character(digit.uppercased())
                    case "alternate": index % 2 == 0 ? Character(digit.uppercased()) : digit
                    default: index == letter ? Character(digit.uppercased()) : digit
                    }
                })
        try #require(respelled != signature, "the spelling changes the signature (it has letters)")
        #expect(throws: SlackRequestVerifier.Refusal.forged) { try verifier.verify(timestamp: timestamp, signature: respelled, body: body, now: now) }
        // And refused before it was ever seen, too: upper-case hex is not Slack's.
        let fresh = SlackRequestVerifier(signingSecret: secret)
        #expect(throws: SlackRequestVerifier.Refusal.forged) { try fresh.verify(timestamp: timestamp, signature: respelled, body: body, now: now) }
    }

    @Test(arguments: [
        ("v0=zz", SlackRequestVerifier.Refusal.forged), ("v1=abcd", .missingHeaders), ("v0=" + String(repeating: "0", count: 64), .forged),
        ("v0=" + String(repeating: "0", count: 62), .forged),
    ])
    func malformedSignaturesAreRefused(signature: String, refusal: SlackRequestVerifier.Refusal) {
        let verifier = SlackRequestVerifier(signingSecret: "secret-0123456789")
        #expect(throws: refusal) {
            try verifier.verify(timestamp: "1700000000", signature: signature, body: [1, 2], now: Date(timeIntervalSince1970: 1_700_000_000))
        }
    }

    @Test(.enabled(if: venv != nil, "set COUNTERSIGN_TEST_VENV to a venv with slack_sdk (see .ci/run)"))
    func slackSDKAgreesWithOurSignatures() async throws {
        let secret = "test-signing-secret-\(UUID().uuidString)"
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let body =
            "payload=" + #"{"type":"block_actions","user":{"id":"U0ALICE"},"text":"héllo & <b>"}"#.addingPercentEncoding(
                withAllowedCharacters: .alphanumerics)!
        let ours = SlackRequestVerifier.signature(secret: secret, timestamp: timestamp, body: Array(body.utf8))
        let script = """
            import sys
            from slack_sdk.signature import SignatureVerifier
            secret, timestamp, body, ours = sys.argv[1:5]
            v = SignatureVerifier(secret)
            print("valid" if v.is_valid(body=body, timestamp=timestamp, signature=ours) else "invalid")
            print("forged-valid" if v.is_valid(body=body + "x", timestamp=timestamp, signature=ours) else "forged-invalid")
            print(v.generate_signature(timestamp=timestamp, body=body))
            """
        let run = try await ChildProcess.run(Self.venv! + "/bin/python", ["-c", script, secret, timestamp, body, ours])
        let status = run.status
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(status == 0)
        #expect(lines == ["valid", "forged-invalid", ours])
        // And the SDK's own signature passes our verifier.
        let verifier = SlackRequestVerifier(signingSecret: secret)
        #expect(throws: Never.self) { try verifier.verify(timestamp: timestamp, signature: lines.last, body: Array(body.utf8), now: Date()) }
    }
}

/// The five-minute window, at its edges (a fixed clock).
@Suite struct SlackTimestampWindowTests {
    @Test(arguments: [(0.0, true), (300, true), (-300, true), (300.5, false), (-301, false), (86_400, false)])
    func onlyTimestampsWithinFiveMinutesOfNowPass(offset: Double, accepted: Bool) {
        let secret = "window-secret-0123456789"
        let verifier = SlackRequestVerifier(signingSecret: secret)
        let body: [UInt8] = Array("payload=%7B%7D".utf8)
        let signature = SlackRequestVerifier.signature(secret: secret, timestamp: "1700000000", body: body)
        let now = Date(timeIntervalSince1970: 1_700_000_000 + offset)
        if accepted {
            #expect(throws: Never.self) { try verifier.verify(timestamp: "1700000000", signature: signature, body: body, now: now) }
        } else {
            #expect(throws: SlackRequestVerifier.Refusal.stale) {
                try verifier.verify(timestamp: "1700000000", signature: signature, body: body, now: now)
            }
        }
    }
}
