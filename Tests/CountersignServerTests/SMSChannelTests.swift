import CountersignChannels
import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignStore
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
                let code = SMSCode.code(approvalID: approvalID)
                let body = try #require(form["Body"])
                #expect(
                    body.hasPrefix(
                        "Countersign: Rückerstattung für Bestellung A-1 (120.00 USD). Reply Y \(code) approve, N \(code) reject, M \(code) take over. By "
                    ))
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
        _ client: any TestClientProtocol, from: String, body: String, token: String = authToken, signature: String? = nil
    )
        async throws -> (status: HTTPResponse.Status, text: String)
    {
        let parameters = [
            ("ToCountry", "US"), ("SmsMessageSid", "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()),
            ("AccountSid", accountSID), ("From", from), ("To", "+15550000000"), ("Body", body), ("NumMedia", "0"), ("ApiVersion", "2010-04-01"),
        ]
        let signed = signature ?? TwilioSignature(authToken: token).signature(url: webhookURL, parameters: parameters.map { ($0.0, $0.1) })
        let form = TwilioClient.formEncode(parameters)
        return try await client.execute(
            uri: "/v1/channels/sms/inbound", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signed],
            body: ByteBuffer(string: form)
        ) { response in (response.status, String(buffer: response.body)) }
    }

    @Test func aReplyDecidesAndABadSignatureDecidesNothing() async throws {
        try await withChannelServer(channels: Self.channels(apiURL: "http://127.0.0.1:9")) { client, _, _ in
            let approvalID = try await proposeHeldRefund(client)
            let code = SMSCode.code(approvalID: approvalID)

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
            let wrongCode = try await Self.inbound(client, from: "+15551230001", body: "Y \(code == "0000" ? "0001" : "0000")")
            #expect(wrongCode.text.contains("nothing was decided"))
            // Carol's limits apply: she may not decide refunds.
            let limited = try await Self.inbound(client, from: "+15551230002", body: "y\(code)")
            #expect(limited.status == .ok)
            #expect(limited.text.contains("Not decided"), "\(limited.text)")
            #expect(try await client.approvalStatus(approvalID) == "pending")

            let decided = try await Self.inbound(client, from: "+15551230001", body: " n  \(code) ")
            #expect(decided.status == .ok)
            #expect(decided.text.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>"#))
            #expect(decided.text.contains("Done: Rückerstattung für Bestellung A-1 was rejected by alice."), "\(decided.text)")
            #expect(try await client.approvalStatus(approvalID) == "rejected")

            let again = try await Self.inbound(client, from: "+15551230003", body: "Y \(code)")
            #expect(again.text.contains("Nothing changed") && again.text.contains("rejected by alice"), "\(again.text)")
            #expect(try await client.approvalStatus(approvalID) == "rejected")
        }
    }

    @Test(.enabled(if: ChannelTestEnvironment.venv != nil, Comment(rawValue: ChannelTestEnvironment.skipMessage)))
    func signaturesMatchTwilioOwnRequestValidator() throws {
        let parameters = [
            ("From", "+15551230001"), ("Body", "Y 4821 & <ok> ü"), ("To", "+15550000000"), ("AccountSid", Self.accountSID), ("a", ""), ("B", "2"),
        ]
        let swift = TwilioSignature(authToken: Self.authToken).signature(url: Self.webhookURL + "?x=1", parameters: parameters.map { ($0.0, $0.1) })
        let request = try JSONSerialization.data(withJSONObject: [
            "token": Self.authToken, "url": Self.webhookURL + "?x=1", "params": Dictionary(uniqueKeysWithValues: parameters),
        ])
        let python = try ChannelTestEnvironment.run(
            ChannelTestEnvironment.venv! + "/bin/python", [ChannelTestEnvironment.script("twilio_signature.py")],
            input: String(decoding: request, as: UTF8.self))
        #expect(python.trimmingCharacters(in: .whitespacesAndNewlines) == swift)
        #expect(TwilioSignature(authToken: Self.authToken).isValid(swift, url: Self.webhookURL + "?x=1", parameters: parameters.map { ($0.0, $0.1) }))
    }

    @Test(arguments: [
        ("Y 4821", HumanDecision.approve, "4821"), ("n4821", .reject, "4821"), (" m  0007 ", .takeOver, "0007"), ("Y 48 21", .approve, "4821"),
    ])
    func repliesAreRead(text: String, decision: HumanDecision, code: String) {
        #expect(SMSReply(text) == SMSReply(decision: decision, code: code))
    }

    @Test(arguments: ["yes", "Y 482", "Y 48210", "X 4821", "Y abcd", ""])
    func otherTextsAreNotReplies(text: String) {
        #expect(SMSReply(text) == nil)
    }

    @Test func aCardWhoseCodeClashesOffersNoCode() throws {
        let proposal = Proposal(agent: "bot", operation: "refund", confidence: 0.9, action: "Refund A-1")
        let record = ProposalRecord(id: "p", proposal: proposal, verdict: DecisionEngine(policy: .default).decide(proposal), createdAt: Date())
        let view = ApprovalView(
            approval: ApprovalRecord(
                id: "a-1", proposalID: "p", status: .pending, deadline: Date(timeIntervalSince1970: 1_800_000_000), fallback: "f",
                createdAt: Date()),
            proposal: record)
        let code = SMSCode.code(approvalID: "a-1")
        #expect(SMSChannel.card(view) == "Countersign: Refund A-1. Reply Y \(code) approve, N \(code) reject, M \(code) take over. By 08:00 UTC.")
        let clashing = SMSChannel.card(view, codeClash: true)
        #expect(!clashing.contains(code) && clashing.contains("console"))
    }

    @Test func codesAreFourDigitsAndStable() {
        let ids = (0..<500).map { _ in UUID().uuidString.lowercased() }
        for id in ids {
            let code = SMSCode.code(approvalID: id)
            #expect(code.count == 4 && code.allSatisfy(\.isNumber))
            #expect(SMSCode.code(approvalID: id) == code)
        }
        #expect(Set(ids.map(SMSCode.code)).count > 400, "codes spread over the 10 000 values")
    }
}
