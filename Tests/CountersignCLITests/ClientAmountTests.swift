import CountersignClient
import Foundation
import MCP
import Testing

@testable import CountersignMCP

/// Issue 15: the Swift client and the MCP proxy read amounts with the gateway's one definition
/// (`Money`): exact, within 18 digits before the point and 18 after, never NaN; beyond is an error.
@Suite struct ClientAmountTests {
    static func decode(_ amount: String) throws -> Proposal {
        let json = #"{"agent":"a","operation":"refund","confidence":0.9,"action":"x","amount":"# + amount + "}"
        return try JSONDecoder().decode(Proposal.self, from: Data(json.utf8))
    }

    @Test(
        "amounts the gateway accepts decode exactly",
        arguments: [
            ("2400.50", "2400.5"), (#""2400.50""#, "2400.5"), (#""999999999999999999.999999999999999999""#, "999999999999999999.999999999999999999"),
        ])
    func accepted(json: String, expected: String) throws {
        #expect(try Self.decode(json).amount == Decimal(string: expected))
    }

    @Test("amounts beyond the bounds are decoding errors, never NaN", arguments: ["1e128", #""1E128""#, #""-5""#, #""lots""#, "1e19"])
    func refused(json: String) {
        #expect(throws: DecodingError.self) { try Self.decode(json) }
    }

    @Test("the client refuses to send an amount the gateway would refuse")
    func encoding() throws {
        for amount in [Decimal.nan, Decimal(sign: .plus, exponent: 30, significand: 1), Decimal(-1)] {
            let proposal = Proposal(agent: "a", operation: "refund", confidence: 0.9, action: "x", amount: amount)
            #expect(throws: EncodingError.self) { try JSONEncoder().encode(proposal) }
        }
        let fine = Proposal(agent: "a", operation: "refund", confidence: 0.9, action: "x", amount: Decimal(string: "12.5"))
        #expect(String(decoding: try JSONEncoder().encode(fine), as: UTF8.self).contains(#""amount":"12.5""#))
    }

    @Test(
        "an MCP amount pointer's value is money or a refusal (never dropped, which would skip the amount rules)",
        arguments: [
            (Value.int(2400), "2400"), (.double(12.5), "12.5"), (.string(" 2400.00 "), "2400"), (.double(1e128), nil), (.string("1E128"), nil),
            (.string("lots"), nil), (.int(-5), nil), (.bool(true), nil), (.object([:]), nil),
        ] as [(Value, String?)])
    func mcpAmounts(value: Value, expected: String?) throws {
        switch value.money {
        case .success(let money): #expect(money.description == expected)
        case .failure: #expect(expected == nil)
        }
    }
}
