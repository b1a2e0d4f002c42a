import CountersignCore
import Foundation
import Testing

private let minimalProposal = #"{"agent":"support-bot","operation":"refund","confidence":0.97,"action":"Refund order A-1042"}"#

/// Proposals from JSON (CONTRACT §3): required fields, types, null, unknown members, exact money.
@Suite("Proposal decoding")
struct ProposalDecodingTests {
    static let minimal = minimalProposal

    /// `minimal` with `member` added (or replacing a member of the same name).
    static func with(_ members: String, dropping dropped: [String] = []) -> String {
        var fields = ["agent": #""support-bot""#, "operation": #""refund""#, "confidence": "0.97", "action": #""Refund order A-1042""#]
        for name in dropped { fields[name] = nil }
        let base = ["agent", "operation", "confidence", "action"].compactMap { key in fields[key].map { "\"\(key)\":\($0)" } }
        return "{" + (base + (members.isEmpty ? [] : [members])).joined(separator: ",") + "}"
    }

    static func refusal(_ json: String) -> ProposalError? {
        do {
            _ = try decodeProposal(json)
            return nil
        } catch {
            return error
        }
    }

    @Test("the CONTRACT's example decodes in full")
    func contractExample() throws {
        let json = """
            {
              "idempotency_key": "ticket-1042/refund/1",
              "agent": "support-bot",
              "operation": "refund",
              "confidence": 0.97,
              "amount": 2400.00,
              "currency": "USD",
              "reference_amount": 240.00,
              "subject": "customer-881",
              "action": "Refund order A-1042 in full",
              "reasoning": "Customer asked for a full refund of a damaged item",
              "impact": "Money leaves the company account",
              "messages": [{"role": "customer", "text": "I want a full refund now"}],
              "context": {"order_id": "A-1042"},
              "fallback": "Tell the customer a specialist will follow up within 24 hours",
              "at": "2026-11-24T10:15:00Z"
            }
            """
        let proposal = try decodeProposal(json)
        #expect(proposal.idempotencyKey == "ticket-1042/refund/1")
        #expect(proposal.agent == "support-bot")
        #expect(proposal.operation == "refund")
        #expect(proposal.confidence == 0.97)
        #expect(proposal.amount == money("2400"))
        #expect(proposal.currency == "USD")
        #expect(proposal.referenceAmount == money("240"))
        #expect(proposal.subject == "customer-881")
        #expect(proposal.action == "Refund order A-1042 in full")
        #expect(proposal.reasoning == "Customer asked for a full refund of a damaged item")
        #expect(proposal.impact == "Money leaves the company account")
        #expect(proposal.messages == [Message(role: "customer", text: "I want a full refund now")])
        #expect(proposal.context == .object([JSONMember("order_id", .string("A-1042"))]))
        #expect(proposal.fallback == "Tell the customer a specialist will follow up within 24 hours")
        #expect(proposal.at == Date(timeIntervalSince1970: 1_795_515_300))

        let verdict = DecisionEngine(policy: .default).decide(proposal)
        #expect(verdict.level == .escalate)
        #expect(verdict.codes == ["confidence.financial", "amount.approve_over", "sanity.reference_ratio"])
    }

    @Test("the minimal proposal: the four required fields, everything else absent")
    func minimal() throws {
        let proposal = try decodeProposal(Self.minimal)
        #expect(proposal == Proposal(agent: "support-bot", operation: "refund", confidence: 0.97, action: "Refund order A-1042"))
    }

    @Test("each missing required field is named", arguments: ["agent", "operation", "confidence", "action"])
    func missingRequired(field: String) throws {
        let error = try #require(Self.refusal(Self.with("", dropping: [field])))
        #expect(error.code.rawValue == "invalid_proposal")
        #expect(error.field == field)
        #expect(error.message.hasPrefix(field))
        #expect(error.message.contains("required"))
    }

    @Test("null means absent: a null required field is missing", arguments: ["agent", "operation", "confidence", "action"])
    func nullRequired(field: String) throws {
        let error = try #require(Self.refusal(Self.with("\"\(field)\":null", dropping: [field])))
        #expect(error.code.rawValue == "invalid_proposal")
        #expect(error.field == field)
    }

    @Test("null optional fields are absent")
    func nullOptional() throws {
        let members = [
            "amount", "currency", "reference_amount", "subject", "reasoning", "impact", "messages", "context", "fallback", "at",
            "idempotency_key", "timeout",
        ]
        let proposal = try decodeProposal(Self.with(members.map { "\"\($0)\":null" }.joined(separator: ",")))
        #expect(proposal == Proposal(agent: "support-bot", operation: "refund", confidence: 0.97, action: "Refund order A-1042"))
    }

    @Test("unknown members are ignored, whatever their shape")
    func unknownMembers() throws {
        let proposal = try decodeProposal(Self.with(#""x_trace":{"ids":[1,2,{"deep":null}]},"priority":"high","flag":true,"n":-1.5e3"#))
        #expect(proposal == Proposal(agent: "support-bot", operation: "refund", confidence: 0.97, action: "Refund order A-1042"))
    }

    @Test(
        "wrong types and bad values are refused with the field named",
        arguments: [
            (#""agent":5"#, "agent", ["agent"]),
            (#""agent":"""#, "agent", ["agent"]),
            (#""agent":["a"]"#, "agent", ["agent"]),
            (#""operation":true"#, "operation", ["operation"]),
            (#""confidence":"high""#, "confidence", ["confidence"]),
            (#""confidence":"0.9""#, "confidence", ["confidence"]),
            (#""confidence":1.2"#, "confidence", ["confidence"]),
            (#""confidence":1.0000001"#, "confidence", ["confidence"]),
            (#""confidence":-0.1"#, "confidence", ["confidence"]),
            (#""action":42"#, "action", ["action"]),
            (#""action":"""#, "action", ["action"]),
            (#""amount":-1"#, "amount", []),
            (#""amount":-0.01"#, "amount", []),
            (#""amount":"-5.00""#, "amount", []),
            (#""amount":"lots""#, "amount", []),
            (#""amount":"2400.00 USD""#, "amount", []),
            (#""amount":true"#, "amount", []),
            (#""amount":[2400]"#, "amount", []),
            (#""reference_amount":-240"#, "reference_amount", []),
            (#""currency":"usd""#, "currency", []),
            (#""currency":"US""#, "currency", []),
            (#""currency":"USDX""#, "currency", []),
            (#""currency":840"#, "currency", []),
            (#""subject":7"#, "subject", []),
            (#""messages":"hi""#, "messages", []),
            (#""messages":{"role":"customer"}"#, "messages", []),
            (#""messages":["hi"]"#, "messages", []),
            (#""messages":[{"role":"customer"}]"#, "messages[0].text", []),
            (#""messages":[{"text":"a"},{"text":5}]"#, "messages[1].text", []),
            (#""context":"order A-1042""#, "context", []),
            (#""context":[1,2]"#, "context", []),
            (#""at":"yesterday""#, "at", []),
            (#""at":"2026-02-30T10:00:00Z""#, "at", []),
            (#""at":1795515300"#, "at", []),
            (#""timeout":"soon""#, "timeout", []),
            (#""timeout":"-5m""#, "timeout", []),
            (#""timeout":0"#, "timeout", []),
            (#""timeout":-30"#, "timeout", []),
            (#""reasoning":{}"#, "reasoning", []),
        ] as [(String, String, [String])])
    func refused(member: String, field: String, replacing: [String]) throws {
        let error = try #require(Self.refusal(Self.with(member, dropping: replacing)), "\(member)")
        #expect(error.code.rawValue == "invalid_proposal", "\(member)")
        #expect(error.field == field, "\(member)")
        #expect(error.message.hasPrefix(field), "\(member): \(error.message)")
    }

    @Test("confidence at the ends of 0…1 is accepted", arguments: ["0", "1", "0.0", "1.0", "1e0", "0.5"])
    func confidenceRange(text: String) throws {
        #expect(try decodeProposal(Self.with("\"confidence\":\(text)", dropping: ["confidence"])).confidence == Double(text)!)
    }

    @Test(
        "malformed JSON is invalid_json",
        arguments: [
            "", "   ", "[]", "\"proposal\"", "{", #"{"agent":"a",}"#, minimalProposal + "x", minimalProposal + "{}", "{\"agent\":\"a\"",
        ])
    func invalidJSON(text: String) throws {
        let error = try #require(Self.refusal(text))
        #expect(error.code.rawValue == "invalid_json")
    }

    @Test("context nested deeper than the reader allows is refused as invalid JSON")
    func deepContext() throws {
        let deep = String(repeating: #"{"a":"#, count: 80) + "1" + String(repeating: "}", count: 80)
        let error = try #require(Self.refusal(Self.with(#""context":"# + deep)))
        #expect(error.code.rawValue == "invalid_json")
        #expect(error.message.contains("nesting"))
    }

    @Test(
        "amounts: JSON numbers and decimal strings, exactly",
        arguments: [
            (#"2400.00"#, "2400"), (#""2400.00""#, "2400"), (#"0"#, "0"), (#""0.30""#, "0.3"), (#"1e3"#, "1000"),
            (#"123456789012345678.12"#, "123456789012345678.12"), (#"0.1"#, "0.1"), (#"500.00"#, "500"),
        ])
    func amounts(json: String, expected: String) throws {
        let proposal = try decodeProposal(Self.with(#""amount":"# + json + #","reference_amount":"# + json))
        #expect(proposal.amount == money(expected))
        #expect(proposal.referenceAmount == money(expected))
    }

    @Test("money compares exactly: 500.00 is not over 500, 500.0000001 is")
    func decimalExactness() throws {
        let engine = DecisionEngine(policy: .default)
        let at = try decodeProposal(Self.with(#""amount":500.00"#))
        #expect(!engine.decide(at).codes.contains("amount.approve_over"))
        let string = try decodeProposal(Self.with(#""amount":"500.00""#))
        #expect(!engine.decide(string).codes.contains("amount.approve_over"))
        let above = try decodeProposal(Self.with(#""amount":500.0000001"#))
        #expect(engine.decide(above).codes.contains("amount.approve_over"))
        let escalate = try decodeProposal(Self.with(#""amount":5000.00"#))
        #expect(!engine.decide(escalate).codes.contains("amount.escalate_over"))
    }

    @Test("0.1 + 0.2 style amounts: 0.3 on a 0.1 reference at ratio 3 is within, the binary sum is not")
    func zeroPointThree() throws {
        var policy = Policy.default
        policy.amounts = AmountRules(approveOver: money("0.3"), escalateOver: nil, urgentOver: nil)
        policy.sanity = SanityRules(maxReferenceRatio: money("3"))
        let engine = DecisionEngine(policy: policy)
        let exact = try decodeProposal(Self.with(#""confidence":1,"amount":0.3,"reference_amount":0.1"#, dropping: ["confidence"]))
        #expect(exact.amount == money("0.1") + money("0.2"))
        #expect(engine.decide(exact).reasons.isEmpty)
        // What 0.1 + 0.2 is in binary floating point: a hair above 0.3.
        let binary = try decodeProposal(
            Self.with(#""confidence":1,"amount":0.30000000000000004,"reference_amount":0.1"#, dropping: ["confidence"]))
        #expect(engine.decide(binary).codes == ["amount.approve_over", "sanity.reference_ratio"])
    }

    @Test("messages keep their order and roles; text is required, role defaults to customer")
    func messages() throws {
        let proposal = try decodeProposal(
            Self.with(#""messages":[{"role":"customer","text":"hi"},{"role":"agent","text":"hello","ts":1},{"text":"anyone?"}]"#))
        #expect(
            proposal.messages == [
                Message(role: "customer", text: "hi"), Message(role: "agent", text: "hello"), Message(role: "customer", text: "anyone?"),
            ])
        #expect(proposal.messages.map(\.isFromCustomer) == [true, false, true])
        #expect(try decodeProposal(Self.with(#""messages":[]"#)).messages.isEmpty)
    }

    @Test("escaped strings decode to their text")
    func escapes() throws {
        let proposal = try decodeProposal(Self.with(#""reasoning":"line\nnext \"quoted\" caf\u00e9 \ud83d\ude00""#))
        #expect(proposal.reasoning == "line\nnext \"quoted\" café 😀")
    }

    @Test("timestamps with offsets and timeouts as text or seconds")
    func atAndTimeout() throws {
        let proposal = try decodeProposal(Self.with(#""at":"2026-11-24T12:15:00+02:00","timeout":"1h30m""#))
        #expect(proposal.at == Date(timeIntervalSince1970: 1_795_515_300))
        #expect(proposal.timeoutSeconds == 5400)
        #expect(try decodeProposal(Self.with(#""timeout":90"#)).timeoutSeconds == 90)
    }

    @Test("texts longer than 64 KiB are refused, not stored")
    func longText() throws {
        let long = String(repeating: "a", count: Proposal.maximumTextBytes + 1)
        let error = try #require(Self.refusal(Self.with("\"reasoning\":\"\(long)\"")))
        #expect(error.field == "reasoning")
        let fits = String(repeating: "a", count: Proposal.maximumTextBytes)
        #expect(try decodeProposal(Self.with("\"reasoning\":\"\(fits)\"")).reasoning?.utf8.count == Proposal.maximumTextBytes)
    }

    @Test("refusal messages never repeat the proposal's own text")
    func noEcho() throws {
        let secret = "4111111111111111"
        for member in ["\"currency\":\"\(secret)\"", "\"at\":\"\(secret)\"", "\"amount\":\"\(secret)x\"", "\"timeout\":\"\(secret)\""] {
            let error = try #require(Self.refusal(Self.with(member)))
            #expect(!error.message.contains(secret), "\(error.message)")
            #expect(!error.description.contains(secret))
        }
    }
}
