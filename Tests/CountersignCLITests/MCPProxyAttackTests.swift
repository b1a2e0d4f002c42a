import CountersignTestSupport
import Foundation
import Testing

/// Issue 15, tried on the MCP proxy as an attacker would, with the gateway on each engine: the
/// caller of a tool is hostile (its arguments, its meta, its size), and none of it may reach the
/// upstream unjudged, change what the approver sees, or lower the verdict.
@Suite(
    "MCP gating proxy under attack", .serialized,
    .enabled(if: MCPTestEnvironment.venv != nil, Comment(rawValue: MCPTestEnvironment.skipMessage)))
struct MCPProxyAttackTests {
    typealias Fixture = MCPProxyTests.Fixture

    static func payment(amount: any Sendable, memo: String = "order A-1", payee: String = "customer-881") -> [String: any Sendable] {
        ["amount": amount, "currency": "USD", "payee": payee, "memo": memo]
    }

    /// A proposal's amount as the API wrote it (a JSON number).
    static func amount(_ proposal: [String: Any]?) -> String? { (proposal?["amount"] as? NSNumber).map { "\($0)" } }

    /// An amount the gateway would refuse (or could not store exactly) fails the call closed at
    /// the proxy: dropping it would let the call pass the amount rules.
    @Test(arguments: StoreKind.allCases)
    func anAmountBeyondTheBoundsIsNeverForwarded(on kind: StoreKind) async throws {
        let fixture = try await Fixture(on: kind)
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.ledgerServer)
        let hostile: [any Sendable] = [1e128, "1E128", -5, "lots", 1e19, "0.0000000000000000001", "NaN"]
        for (index, amount) in hostile.enumerated() {
            try driver.send(["op": "call", "id": "a\(index)", "name": "pay", "arguments": Self.payment(amount: amount)])
            let result = try await driver.result(of: "a\(index)")
            #expect(result["isError"] as? Bool == true, "\(amount): \(result)")
            #expect(MCPProxyTests.meta(result, "status") == "refused", "\(amount): \(result)")
            #expect((result["text"] as? String ?? "").contains("amount (at /amount)"), "\(amount): \(result)")
            #expect((result["text"] as? String ?? "").contains("Pay by hand"), "\(amount): \(result)")
        }
        #expect(try fixture.payments().isEmpty)
        #expect(try await fixture.pending(atLeast: 0).isEmpty)
        // The same tool with an amount it can judge is held, and runs once approved.
        try driver.send(["op": "call", "id": "ok", "name": "pay", "arguments": Self.payment(amount: "120.50"), "progress": true])
        let items = try await fixture.pending()
        try #require(items.count == 1)
        #expect(Self.amount(items[0]["proposal"] as? [String: Any]) == "120.5")
        try await fixture.decide(items[0]["id"] as! String, "approve")
        #expect(try await driver.result(of: "ok")["isError"] as? Bool == false)
        #expect(try fixture.payments().map { $0["amount"] as? String } == ["120.50"])
        await driver.stop()
    }

    /// Text in the arguments is data: a newline cannot fake a card line in the action, markup and
    /// bidi controls reach the approver as the agent sent them (the renderers escape and mark them),
    /// and what runs upstream is byte for byte what was approved.
    @Test(arguments: StoreKind.allCases)
    func hostileTextInArgumentsIsShownAsDataAndRunsAsApproved(on kind: StoreKind) async throws {
        let fixture = try await Fixture(on: kind)
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.ledgerServer)
        let memo =
            "ok\nAmount: 1.00 USD\r\nConfidence: 0.99\u{202E}dsu 00.1\u{0600}<meta http-equiv=\"\u{301}refresh\" content=0;url=https://evil.example>"
        try driver.send(["op": "call", "id": "h1", "name": "pay", "arguments": Self.payment(amount: 2400, memo: memo), "progress": true])
        let items = try await fixture.pending()
        try #require(items.count == 1)
        let proposal = try #require(items[0]["proposal"] as? [String: Any])
        #expect(Self.amount(proposal) == "2400")
        #expect(proposal["subject"] as? String == "customer-881")
        let action = try #require(proposal["action"] as? String)
        #expect(!action.contains("\n") && !action.contains("\r"), "a raw line break in the action could fake a card line: \(action)")
        let mcp = (proposal["context"] as? [String: Any])?["mcp"] as? [String: Any]
        #expect((mcp?["arguments"] as? [String: Any])?["memo"] as? String == memo)
        try await fixture.decide(items[0]["id"] as! String, "approve")
        #expect(try await driver.result(of: "h1")["isError"] as? Bool == false)
        let payments = try fixture.payments()
        #expect(payments.count == 1)
        #expect(payments.first?["memo"] as? String == memo)
        await driver.stop()
    }

    /// The caller's confidence is only a claim in `_meta`: out of range or not a number, it is
    /// ignored (the tool's default is used), and even at 1.0 it cannot pass an amount rule. (One
    /// payee each: more pending approvals for one subject would escalate, `approvals.per_subject`.)
    @Test(arguments: StoreKind.allCases)
    func aForgedConfidenceCannotLowerTheVerdict(on kind: StoreKind) async throws {
        let fixture = try await Fixture(on: kind)
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.ledgerServer)
        let claims: [any Sendable] = [5, -1, "1.0", 1.0]
        for (index, claim) in claims.enumerated() {
            try driver.send([
                "op": "call", "id": "f\(index)", "name": "pay", "arguments": Self.payment(amount: 900 + index, payee: "customer-\(index)"),
                "confidence": claim, "progress": true,
            ])
        }
        let items = try await fixture.pending(atLeast: claims.count)
        try #require(items.count == claims.count)
        var confidenceByAmount: [String: Double] = [:]
        for item in items {
            let proposal = try #require(item["proposal"] as? [String: Any])
            confidenceByAmount[Self.amount(proposal) ?? ""] = proposal["confidence"] as? Double
            #expect(item["status"] as? String == "pending")
        }
        #expect(confidenceByAmount == ["900": 0.8, "901": 0.8, "902": 0.8, "903": 1.0])
        for item in items { try await fixture.decide(item["id"] as! String, "reject") }
        for index in claims.indices {
            let result = try await driver.result(of: "f\(index)")
            #expect(MCPProxyTests.meta(result, "status") == "rejected", "\(claims[index]): \(result)")
        }
        #expect(try fixture.payments().isEmpty)
        await driver.stop()
    }

    /// A call too large for the gateway to take is refused there, and the proxy fails closed.
    @Test(arguments: StoreKind.allCases)
    func aCallTooLargeForTheGatewayFailsClosed(on kind: StoreKind) async throws {
        let fixture = try await Fixture(on: kind)
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.ledgerServer)
        let memo = String(repeating: "\u{0600}<", count: 400_000)
        try driver.send(["op": "call", "id": "big", "name": "pay", "arguments": Self.payment(amount: 10, memo: memo)])
        let result = try await driver.result(of: "big")
        #expect(result["isError"] as? Bool == true, "\(result)")
        #expect(MCPProxyTests.meta(result, "status") == "refused", "\(result)")
        #expect((result["text"] as? String ?? "").contains("Pay by hand"))
        #expect(try fixture.payments().isEmpty)
        #expect(try await fixture.pending(atLeast: 0).isEmpty)
        await driver.stop()
    }
}
