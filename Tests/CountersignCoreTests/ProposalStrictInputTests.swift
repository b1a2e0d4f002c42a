import CountersignCore
import Foundation
import Testing

/// Issue 15: amounts beyond the bounds are refused with the field named (never stored as NaN),
/// truncated JSON is `invalid_json` (not a field error), and text that is not UTF-8 is refused.
@Suite("Proposal strict input")
struct ProposalStrictInputTests {
    static func refusal(_ json: String) -> ProposalError? { ProposalDecodingTests.refusal(json) }

    static func refusal(bytes: [UInt8]) -> ProposalError? {
        do {
            _ = try Proposal.decode(json: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "amounts outside the bounds are refused with the field named",
        arguments: [
            (#""amount":1e128"#, "amount"), (#""amount":"1E128""#, "amount"), (#""amount":1e18"#, "amount"),
            (#""amount":1e-19"#, "amount"), (#""amount":"0.0000000000000000001""#, "amount"), (#""amount":1e999999"#, "amount"),
            (#""amount":12345678901234567890.12"#, "amount"), (#""reference_amount":1e128"#, "reference_amount"),
            (#""reference_amount":"1E128""#, "reference_amount"),
        ])
    func outOfBounds(member: String, field: String) throws {
        let error = try #require(Self.refusal(ProposalDecodingTests.with(member)), "\(member)")
        #expect(error.code == .invalidProposal, "\(member)")
        #expect(error.field == field)
        #expect(error.message.hasPrefix(field + " must be a decimal number from 0 to 999999999999999999.999999999999999999"))
    }

    @Test("an amount at the limit decodes, writes and reads back exactly")
    func atTheLimit() throws {
        let text = MoneyTests.largest
        for json in [text, "\"\(text)\""] {
            let proposal = try decodeProposal(ProposalDecodingTests.with(#""amount":"# + json + #","reference_amount":0.000000000000000001"#))
            #expect(proposal.money == Money.maximum)
            let written = String(decoding: proposal.jsonBytes, as: UTF8.self)
            #expect(written.contains(#""amount":999999999999999999.999999999999999999"#))
            #expect(written.contains(#""reference_amount":0.000000000000000001"#))
            let again = try Proposal.decode(json: proposal.jsonBytes)
            #expect(again == proposal)
            #expect(again.jsonBytes == proposal.jsonBytes)
        }
    }

    @Test("amounts set from Swift code outside the bounds are refused before anything is judged")
    func swiftAmounts() throws {
        let engine = DecisionEngine(policy: .default)
        for (amount, reference) in [(Decimal.nan, nil), (Decimal(sign: .plus, exponent: 100, significand: 1), nil), (nil, Decimal.nan)]
            as [(Decimal?, Decimal?)]
        {
            let proposal = Proposal(agent: "a", operation: "refund", confidence: 0.9, amount: amount, referenceAmount: reference, action: "x")
            #expect(proposal.unacceptedAmountField == (amount == nil ? "reference_amount" : "amount"))
            let error = try #require(throws: ProposalError.self) { try engine.validate(proposal) }
            #expect(error.code == .invalidProposal)
        }
        // A NaN never becomes zero (which would pass under every limit).
        let nan = Proposal(agent: "a", operation: "refund", confidence: 0.9, amount: .nan, action: "x")
        #expect(nan.money == nil)
    }

    @Test("confidence and timeout set from Swift code must be finite and in range")
    func swiftNumbers() {
        let engine = DecisionEngine(policy: .default)
        for (confidence, timeout) in [(Double.nan, nil), (2, nil), (0.5, Double.infinity), (0.5, Double.nan), (0.5, -1)] as [(Double, Double?)] {
            let proposal = Proposal(agent: "a", operation: "refund", confidence: confidence, action: "x", timeoutSeconds: timeout)
            #expect(throws: ProposalError.self) { try engine.validate(proposal) }
        }
    }

    @Test(
        "truncated or malformed JSON is invalid_json even after a field that would be refused",
        arguments: [
            #"{"agent":"a","operation":"refund","confidence":0."#, #"{"agent":"a","confidence":0"#, #"{"amount":1e"#,
            #"{"amount":1e128,"action":"x"#, #"{"confidence":2,"action":"x"#, #"{"agent":5,"#, #"{"amount":"1E128""#,
            #"{"amount":-1,"agent":"a"]"#, #"{"confidence":1.5}}"#, #"{"timeout":-5,"#, #"{"confidence":01}"#, #"{"amount":1.}"#,
            #"{"amount":.5}"#, #"{"confidence":"0.9""#,
        ])
    func truncated(text: String) throws {
        let error = try #require(Self.refusal(text), "\(text)")
        #expect(error.code == .invalidJSON, "\(text): \(error)")
    }

    @Test(
        "text that is not UTF-8 is refused as invalid_json, in values and member names, escaped or not",
        arguments: [
            [0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x61, 0x80, 0x62],
        ] as [[UInt8]])
    func invalidUTF8(bad: [UInt8]) throws {
        let prefix = Array(#"{"agent":"a","operation":"refund","confidence":0.5,"action":""#.utf8)
        for body in [
            prefix + bad + Array(#""}"#.utf8),
            prefix + Array(#"\n"#.utf8) + bad + Array(#""}"#.utf8),
            Array(#"{"agent":"a","operation":"refund","confidence":0.5,"action":"x",""#.utf8) + bad + Array(#"":1}"#.utf8),
            Array(#"{"agent":"a","operation":"refund","confidence":0.5,"action":"x","context":{"k":""#.utf8) + bad + Array(#""}}"#.utf8),
        ] {
            let error = try #require(Self.refusal(bytes: body))
            #expect(error.code == .invalidJSON)
            #expect(error.message.contains("UTF-8"), "\(error.message)")
        }
    }

    @Test("lone surrogate escapes are refused, pairs decode", arguments: [#"\ud83d"#, #"\ude00"#, #"\ud83dx"#, #"\ud83d\u0041"#])
    func loneSurrogates(escape: String) throws {
        let error = try #require(Self.refusal(ProposalDecodingTests.with(#""reasoning":""# + escape + "\"")))
        #expect(error.code == .invalidJSON)
        let pair = try decodeProposal(ProposalDecodingTests.with(#""reasoning":"\uD83D\uDE00""#))
        #expect(pair.reasoning == "😀")
    }
}
