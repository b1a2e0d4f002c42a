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

/// Requests the Twilio stand-in received.
actor TwilioRecorder {
    struct Received: Sendable {
        var path: String
        var authorization: String?
        var contentType: String?
        var body: String
    }

    private(set) var requests: [Received] = []
    func record(_ request: Received) { requests.append(request) }
}

/// A local stand-in for Twilio's Messages API: records each request and answers as Twilio
/// documents (201 with the message resource; 400 with Twilio's error JSON for an invalid `To`;
/// 503 for a number the test marks as unreachable).
func withTwilioStandIn<Value: Sendable>(_ test: @Sendable (_ apiURL: String, TwilioRecorder) async throws -> Value) async throws -> Value {
    let recorder = TwilioRecorder()
    let router = Router()
    router.post("2010-04-01/Accounts/:sid/Messages.json") { request, context -> Response in
        let body = String(buffer: try await request.body.collect(upTo: 65536))
        await recorder.record(
            .init(
                path: request.uri.path, authorization: request.headers[.authorization], contentType: request.headers[.contentType], body: body))
        let to = SMSInboundController.formPairs(Array(body.utf8)).first { $0.name == "To" }?.value ?? ""
        let (status, json): (HTTPResponse.Status, String) =
            switch to {
            case "+15551230003":
                (
                    .badRequest,
                    #"{"code": 21211, "message": "The 'To' number +15551230003 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#
                )
            case "+15551230002": (.serviceUnavailable, #"{"code": 20503, "message": "Service unavailable", "status": 503}"#)
            default: (.created, #"{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": "\#(to)"}"#)
            }
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
    let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    return try await application.test(.live) { client in try await test("http://127.0.0.1:\(client.port!)", recorder) }
}

@Suite("SMS channel: Twilio's Messages API and the inbound webhook")
struct SMSChannelTests {
    static let accountSID = "AC0123456789abcdef0123456789abcdef"
    static let authToken = "twilio-auth-token-0123456789abcd"
    static let webhookURL = "https://countersign.example.com/v1/channels/sms/inbound"

    static func channels(apiURL: String) -> ServerConfiguration.Channels {
        .init(sms: .init(accountSID: accountSID, authToken: Secret(authToken), from: "+15550000000", apiURL: apiURL))
    }

    @Test func theCardReachesTwilioAsDocumented() async throws {
        try await withTwilioStandIn { apiURL, recorder in
            try await withChannelServer(channels: Self.channels(apiURL: apiURL)) { client, parts, configuration in
                let approvalID = try await proposeHeldRefund(client)
                let channel = SMSChannel(configuration.channels.sms!, gateway: parts.gateway, approvers: configuration.approvers)
                try await channel.deliver(channelMessage(kind: "sms", approver: "alice", approvalID: approvalID))
                let requests = await recorder.requests
                try #require(requests.count == 1)
                let request = requests[0]
                #expect(request.path == "/2010-04-01/Accounts/\(Self.accountSID)/Messages.json")
                #expect(request.authorization == "Basic " + Data("\(Self.accountSID):\(Self.authToken)".utf8).base64EncodedString())
                #expect(request.contentType == "application/x-www-form-urlencoded")
                let form = Dictionary(uniqueKeysWithValues: SMSInboundController.formPairs(Array(request.body.utf8)).map { ($0.name, $0.value) })
                #expect(Set(form.keys) == ["To", "From", "Body"])
                #expect(form["To"] == "+15551230001")
                #expect(form["From"] == "+15550000000")
                let body = try #require(form["Body"])
                let code = try #require(Self.code(in: body))
                let time = try await Self.time(of: approvalID, parts)
                #expect(
                    body
                        == "Countersign, 120.00 USD: reply Y \(code) approve, N \(code) reject, M \(code) take over, by \(time) UTC. \"Rückerstattung für Bestellung A-1\""
                )
                // The code was stored for alice and this approval; sending the card again keeps it.
                #expect(try await parts.gateway.approvalID(smsCode: code, approver: "alice") == approvalID)
                #expect(try await parts.gateway.approvalID(smsCode: code, approver: "dave") == nil)
                #expect(body.count <= 320)

                // Twilio's errors: an invalid number is permanent, a 503 is retried.
                let invalid = await #expect(throws: OutboxDeliveryError.self) {
                    try await channel.deliver(channelMessage(kind: "sms", approver: "dave", approvalID: approvalID))
                }
                #expect(invalid?.permanent == true)
                #expect(invalid?.description.contains("21211") == true)
                let unavailable = await #expect(throws: OutboxDeliveryError.self) {
                    try await channel.deliver(channelMessage(kind: "sms", approver: "carol", approvalID: approvalID))
                }
                #expect(unavailable?.permanent == false)
            }
        }
    }

    /// Posts an inbound SMS the way Twilio does, signed with `token` (the auth token unless a test forges it).
    static func inbound(
        _ client: any TestClientProtocol, from: String, body: String, token: String = authToken, signature: String? = nil,
        messageID: String = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    )
        async throws -> (status: HTTPResponse.Status, text: String)
    {
        let parameters = [
            ("ToCountry", "US"), ("SmsMessageSid", messageID), ("MessageSid", messageID), ("AccountSid", accountSID), ("From", from),
            ("To", "+15550000000"), ("Body", body), ("NumMedia", "0"), ("ApiVersion", "2010-04-01"),
        ]
        let signed = signature ?? TwilioSignature(authToken: token).signature(url: webhookURL, parameters: parameters.map { ($0.0, $0.1) })
        let form = TwilioClient.formEncode(parameters)
        return try await client.execute(
            uri: "/v1/channels/sms/inbound", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signed],
            body: ByteBuffer(string: form)
        ) { response in (response.status, String(buffer: response.body)) }
    }

    /// The six digits of a card's code.
    static func code(in body: String) -> String? {
        body.firstMatch(of: /reply Y (\d{6}) approve/).map { String($0.output.1) }
    }

    /// `HH:mm` of the approval's deadline, as the card shows it.
    static func time(of approvalID: String, _ parts: CountersignApplication.Parts) async throws -> String {
        let view = try #require(try await parts.gateway.currentApproval(id: approvalID))
        return String(Timestamp.format(view.approval.deadline).dropFirst(11).prefix(5))
    }

    /// The code a card for `approver` names `approvalID` by (as sending it would assign).
    static func sentCode(_ parts: CountersignApplication.Parts, _ approvalID: String, to approver: String) async throws -> String {
        try #require(try await parts.gateway.assignSMSCode(approvalID: approvalID, approver: approver, candidates: SMSCode.candidates()))
    }

    @Test(arguments: StoreKind.allCases) func aReplyDecidesAndABadSignatureDecidesNothing(on kind: StoreKind) async throws {
        try await withChannelServer(on: kind, channels: Self.channels(apiURL: "http://127.0.0.1:9")) { client, parts, _ in
            let approvalID = try await proposeHeldRefund(client)
            let code = try await Self.sentCode(parts, approvalID, to: "alice")

            for (name, response) in [
                ("forged key", try await Self.inbound(client, from: "+15551230001", body: "Y \(code)", token: "another-token-0123456789abcdef")),
                ("no signature", try await Self.inbound(client, from: "+15551230001", body: "Y \(code)", signature: "")),
                ("garbage", try await Self.inbound(client, from: "+15551230001", body: "Y \(code)", signature: "bm90IGEgc2lnbmF0dXJl")),
            ] {
                #expect(response.status == .forbidden, "\(name)")
            }
            #expect(try await client.approvalStatus(approvalID) == "pending")

            let unknown = try await Self.inbound(client, from: "+15559999999", body: "Y \(code)")
            #expect(unknown.status == .ok && unknown.text.contains("not an approver"))
            let help = try await Self.inbound(client, from: "+15551230001", body: "yes please")
            #expect(help.text.contains("Reply Y, N or M"))
            let wrongCode = try await Self.inbound(client, from: "+15551230001", body: "Y \(code == "000000" ? "000001" : "000000")")
            #expect(wrongCode.text.contains("nothing was decided"))
            // Alice's code means nothing from dave's number: it was sent to alice.
            let othersCode = try await Self.inbound(client, from: "+15551230003", body: "Y \(code)")
            #expect(othersCode.text.contains("No approval of yours has code"), "\(othersCode.text)")
            // Carol's limits apply: she may not decide refunds.
            let carols = try await Self.sentCode(parts, approvalID, to: "carol")
            let limited = try await Self.inbound(client, from: "+15551230002", body: "y\(carols)")
            #expect(limited.status == .ok)
            #expect(limited.text.contains("Not decided"), "\(limited.text)")
            #expect(try await client.approvalStatus(approvalID) == "pending")

            let decided = try await Self.inbound(client, from: "+15551230001", body: " n  \(code) ")
            #expect(decided.status == .ok)
            #expect(decided.text.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>"#))
            #expect(decided.text.contains("Done: &quot;Rückerstattung für Bestellung A-1&quot; was rejected by alice."), "\(decided.text)")
            #expect(try await client.approvalStatus(approvalID) == "rejected")

            let daves = try await Self.sentCode(parts, approvalID, to: "dave")
            let again = try await Self.inbound(client, from: "+15551230003", body: "Y \(daves)")
            #expect(again.text.contains("Nothing changed") && again.text.contains("rejected by alice"), "\(again.text)")
            #expect(try await client.approvalStatus(approvalID) == "rejected")
        }
    }

    /// A captured, validly signed request replayed later decides nothing: not the approval it was
    /// for (already decided), and not another one (its code names one approval only), and the
    /// replay is recognised by its MessageSid, which the store keeps.
    @Test(arguments: StoreKind.allCases) func aReplayedRequestDecidesNothing(on kind: StoreKind) async throws {
        try await withChannelServer(on: kind, channels: Self.channels(apiURL: "http://127.0.0.1:9")) { client, parts, _ in
            let first = try await proposeHeldRefund(client)
            let code = try await Self.sentCode(parts, first, to: "alice")
            let captured = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let answered = try await Self.inbound(client, from: "+15551230001", body: "Y \(code)", messageID: captured)
            #expect(answered.text.contains("Done:"), "\(answered.text)")
            #expect(try await client.approvalStatus(first) == "approved")

            // Many more approvals for alice, each with its own code: none shares the captured one.
            var others: [String] = []
            for _ in 0..<40 {
                let id = try await proposeHeldRefund(client)
                #expect(try await Self.sentCode(parts, id, to: "alice") != code)
                others.append(id)
            }
            let replay = try await Self.inbound(client, from: "+15551230001", body: "Y \(code)", messageID: captured)
            #expect(replay.status == .ok)
            #expect(replay.text.contains("handled before"), "\(replay.text)")
            // Even under a fresh MessageSid the code still names the first approval only.
            let resent = try await Self.inbound(client, from: "+15551230001", body: "Y \(code)")
            #expect(resent.text.contains("Nothing changed"), "\(resent.text)")
            for id in others { #expect(try await client.approvalStatus(id) == "pending") }
            let missing = try await Self.inbound(client, from: "+15551230001", body: "Y \(code)", messageID: "")
            #expect(missing.text.contains("no MessageSid"))
        }
    }

    @Test(.enabled(if: ChannelTestEnvironment.venv != nil, Comment(rawValue: ChannelTestEnvironment.skipMessage)))
    func signaturesMatchTwilioOwnRequestValidator() async throws {
        let parameters = [
            ("From", "+15551230001"), ("Body", "Y 4821 & <ok> ü"), ("To", "+15550000000"), ("AccountSid", Self.accountSID), ("a", ""), ("B", "2"),
        ]
        let swift = TwilioSignature(authToken: Self.authToken).signature(url: Self.webhookURL + "?x=1", parameters: parameters.map { ($0.0, $0.1) })
        let request = try JSONSerialization.data(withJSONObject: [
            "token": Self.authToken, "url": Self.webhookURL + "?x=1", "params": Dictionary(uniqueKeysWithValues: parameters),
        ])
        let python = try await ChannelTestEnvironment.run(
            ChannelTestEnvironment.venv! + "/bin/python", [ChannelTestEnvironment.script("twilio_signature.py")],
            input: String(decoding: request, as: UTF8.self))
        #expect(python.trimmingCharacters(in: .whitespacesAndNewlines) == swift)
        #expect(TwilioSignature(authToken: Self.authToken).isValid(swift, url: Self.webhookURL + "?x=1", parameters: parameters.map { ($0.0, $0.1) }))
    }

    @Test(arguments: [
        ("Y 482113", HumanDecision.approve, "482113"), ("n482113", .reject, "482113"), (" m  000007 ", .takeOver, "000007"),
        ("Y 482 113", .approve, "482113"), ("y\u{A0}482113", .approve, "482113"),
    ])
    func repliesAreRead(text: String, decision: HumanDecision, code: String) {
        #expect(SMSReply(text) == SMSReply(decision: decision, code: code))
    }

    @Test(arguments: ["yes", "Y 4821", "Y 48211", "Y 4821134", "X 482113", "Y abcdef", "", "Y 48211\u{0663}", "Y 4\u{301}82113", "Ｙ 482113"])
    func otherTextsAreNotReplies(text: String) {
        #expect(SMSReply(text) == nil)
    }

    static func view(action: String, amount: Decimal? = nil) -> ApprovalView {
        let proposal = Proposal(
            agent: "bot", operation: "refund", confidence: 0.9, amount: amount, currency: amount == nil ? nil : "EUR", action: action)
        let record = ProposalRecord(id: "p", proposal: proposal, verdict: DecisionEngine(policy: .default).decide(proposal), createdAt: Date())
        return ApprovalView(
            approval: ApprovalRecord(
                id: "a-1", proposalID: "p", status: .pending, deadline: Date(timeIntervalSince1970: 1_800_000_000), fallback: "f",
                createdAt: Date()),
            proposal: record)
    }

    @Test func theCardStartsWithTheFactsAndEndsWithTheAgentsTextQuoted() throws {
        #expect(
            SMSChannel.card(Self.view(action: "Refund A-1", amount: 120), code: "482113")
                == #"Countersign, 120.00 EUR: reply Y 482113 approve, N 482113 reject, M 482113 take over, by 08:00 UTC. "Refund A-1""#)
        let noCode = SMSChannel.card(Self.view(action: "Refund A-1"), code: nil)
        #expect(!noCode.contains("reply Y") && noCode.contains("console"))
        // Line breaks, bidirectional controls and invisible characters cannot hide or fake anything.
        let hostile = SMSChannel.card(
            Self.view(action: "Refund\nReply Y 000000 approve \u{202E}0.01\u{202C} \u{200B}x\u{2066}", amount: 120), code: "482113")
        #expect(hostile.hasPrefix("Countersign, 120.00 EUR: reply Y 482113 approve"))
        #expect(!hostile.unicodeScalars.contains { DisplayText.isConcealing($0) || DisplayText.isLineBreak($0) })
        #expect(hostile.contains("[U+202E]0.01[U+202C]") && hostile.contains("[U+200B]") && hostile.contains("Refund ↵ Reply"))
        // A long action is cut on a scalar boundary; the facts stay whole.
        let long = SMSChannel.card(Self.view(action: String(repeating: "é\u{301}", count: 400), amount: 120), code: "482113")
        #expect(long.hasPrefix("Countersign, 120.00 EUR: reply Y 482113") && long.utf16.count < 220)
    }

    @Test func candidateCodesAreSixRandomDigits() {
        let codes = SMSCode.candidates(count: 500)
        #expect(codes.allSatisfy { $0.count == 6 && $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } })
        #expect(Set(codes).count > 490, "random over a million values")
    }
}
