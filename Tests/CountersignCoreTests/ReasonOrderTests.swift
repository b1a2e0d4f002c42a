import CountersignCore
import Foundation
import Testing

/// Every verdict lists all reasons that fired, in CONTRACT order, and its level is the most severe.
@Suite("Several reasons at once")
struct ReasonOrderTests {
    static let card = "4111 1111 1111 1111"
    static let iban = "DE89 3704 0044 0532 0130 00"
    static let ssn = "123-45-6789"
    static let cnID = "11010519491231002X"

    func assertContractOrder(_ verdict: Verdict, sourceLocation: SourceLocation = #_sourceLocation) {
        let ranks = verdict.codes.map { contractRank($0) ?? -1 }
        #expect(!ranks.contains(-1), "unknown reason code in \(verdict.codes)", sourceLocation: sourceLocation)
        #expect(ranks == ranks.sorted(), "reasons out of CONTRACT order: \(verdict.codes)", sourceLocation: sourceLocation)
        #expect(Set(verdict.codes).count == verdict.codes.count, "a reason listed twice", sourceLocation: sourceLocation)
        #expect(verdict.level == verdict.reasons.map(\.level).max() ?? .auto, sourceLocation: sourceLocation)
    }

    @Test("everything but the per-subject count at once, on an escalate base")
    func everythingEscalateBase() {
        let proposal = makeProposal(
            operation: "refund", confidence: 0.5, amount: "6000", reference: "100", subject: "customer-881",
            action: "Refund to card \(Self.card)", reasoning: "Customer gave IBAN \(Self.iban)", impact: "SSN on file \(Self.ssn)",
            messages: [Message(role: "customer", text: "I want to talk to a human")],
            context: .object([JSONMember("note", .string("my lawyer will call")), JSONMember("id", .string(Self.cnID))]),
            fallback: "Tell the customer a specialist will follow up")
        let history = SubjectHistory(
            recentProposals: [PastProposal(at: Date(), confidence: 0.1), PastProposal(at: Date(), confidence: 0.2)],
            approvalCount: 5, recentDecisions: [.rejected, .rejected])
        let verdict = DecisionEngine(policy: .default).decide(proposal, history: history)
        #expect(
            verdict.codes == [
                "confidence.financial", "amount.approve_over", "amount.escalate_over", "sanity.reference_ratio", "pii.card_number",
                "pii.iban", "pii.us_ssn", "pii.cn_resident_id", "human_request", "legal", "rejections.consecutive",
                "confidence.low_streak",
            ])
        #expect(verdict.level == .escalate)
        #expect(verdict.baseLevel == .escalate)
        assertContractOrder(verdict)
    }

    @Test("every rule but escalate_over and sanity, on an approve base: the per-subject count fires too")
    func everythingApproveBase() {
        let proposal = makeProposal(
            operation: "lookup_order", confidence: 0.5, amount: "600", reference: "1000", subject: "customer-881",
            action: "Card \(Self.card), IBAN \(Self.iban), SSN \(Self.ssn), id \(Self.cnID)",
            messages: [Message(role: "user", text: "Get me a real person"), Message(role: "agent", text: "There is no need to sue")])
        let history = SubjectHistory(
            recentProposals: [PastProposal(at: Date(), confidence: 0.3), PastProposal(at: Date(), confidence: 0.4)],
            approvalCount: 2, recentDecisions: [.rejected, .rejected])
        let verdict = DecisionEngine(policy: .default).decide(proposal, history: history)
        #expect(
            verdict.codes == [
                "confidence.read_only", "amount.approve_over", "pii.card_number", "pii.iban", "pii.us_ssn", "pii.cn_resident_id",
                "human_request", "legal", "rejections.consecutive", "approvals.per_subject", "confidence.low_streak",
            ])
        #expect(verdict.baseLevel == .approve)
        #expect(verdict.level == .escalate)
        #expect(verdict.reasons[0].level == .notify)
        #expect(verdict.reasons[1].level == .approve)
        #expect(verdict.reasons.dropFirst(2).allSatisfy { $0.level == .escalate })
        assertContractOrder(verdict)
    }

    @Test(
        "the level is the most severe reason's",
        arguments: [
            // (operation, confidence, amount, expected codes, expected level)
            ("refund", 0.97, "600", ["confidence.financial", "amount.approve_over"], Level.approve),
            ("refund", 0.97, "6000", ["confidence.financial", "amount.approve_over", "amount.escalate_over"], .escalate),
            ("refund", 0.85, "100", ["confidence.financial"], .approve),
            ("refund", 0.50, "600", ["confidence.financial", "amount.approve_over"], .escalate),
            ("lookup_order", 0.45, "600", ["confidence.read_only", "amount.approve_over"], .approve),
            ("lookup_order", 0.45, nil, ["confidence.read_only"], .notify),
        ] as [(String, Double, String?, [String], Level)])
    func mostSevere(operation: String, confidence: Double, amount: String?, codes: [String], level: Level) {
        let verdict = DecisionEngine(policy: .default).decide(makeProposal(operation: operation, confidence: confidence, amount: amount))
        #expect(verdict.codes == codes)
        #expect(verdict.level == level)
        assertContractOrder(verdict)
    }

    @Test("the confidence reason is listed whenever confidence is below auto, even when another rule wins")
    func confidenceAlwaysListed() {
        let verdict = DecisionEngine(policy: .default).decide(
            makeProposal(operation: "cancel_order", confidence: 0.9, amount: "2400", reference: "240"))
        #expect(verdict.codes.first == "confidence.high_risk_write")
        #expect(verdict.reasons.first?.level == .notify)
        #expect(verdict.level == .escalate)
    }

    @Test("a clean, confident proposal is auto with no reasons")
    func clean() {
        let verdict = DecisionEngine(policy: .default).decide(
            makeProposal(operation: "lookup_order", confidence: 0.99, subject: "customer-1", action: "Look up order A-1042"))
        #expect(verdict.level == .auto)
        #expect(verdict.reasons.isEmpty)
    }

    @Test("random combinations: reasons always in CONTRACT order, level always the maximum")
    func randomCombinations() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        let engine = DecisionEngine(policy: .default)
        let operations = ["lookup_order", "update_address", "cancel_order", "refund", "unknown_op"]
        let texts = ["Refund it", "card \(Self.card)", "IBAN \(Self.iban)", "ssn \(Self.ssn)", "id \(Self.cnID)", "my attorney", "ok"]
        for _ in 0..<300 {
            let amount = Bool.random(using: &rng) ? String(Int.random(in: 0...8000, using: &rng)) : nil
            let reference = Bool.random(using: &rng) ? String(Int.random(in: 0...8000, using: &rng)) : nil
            let proposal = makeProposal(
                operation: operations.randomElement(using: &rng)!, confidence: Double.random(in: 0...1, using: &rng), amount: amount,
                reference: reference, subject: "s", action: texts.randomElement(using: &rng)!,
                messages: [Message(role: Bool.random(using: &rng) ? "customer" : "agent", text: Bool.random(using: &rng) ? "talk to a human" : "hi")])
            let history = SubjectHistory(
                recentProposals: (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                    PastProposal(at: Date(), confidence: Double.random(in: 0...1, using: &rng))
                },
                approvalCount: Int.random(in: 0...3, using: &rng),
                recentDecisions: (0..<Int.random(in: 0...2, using: &rng)).map { _ in Bool.random(using: &rng) ? .rejected : .approved })
            let verdict = engine.decide(proposal, history: history)
            assertContractOrder(verdict)
            // Rules 1–3 (confidence, amounts, sanity) alone make the base level.
            let base = verdict.reasons.filter { (contractRank($0.code) ?? 99) <= 3 }
            #expect(verdict.baseLevel == base.map(\.level).max() ?? .auto)
        }
    }

    @Test("the verdict's JSON members are valid JSON with level, risk class and reasons")
    func verdictJSON() throws {
        let verdict = DecisionEngine(policy: .default).decide(makeProposal(confidence: 1.0, amount: "2400", reference: "240"))
        var writer = JSONWriter()
        writer.raw("{")
        verdict.writeMembers(to: &writer)
        writer.raw("}")
        let value = try writer.bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            var reader = JSONReader(buffer)
            return try reader.readValue()
        }
        #expect(value["level"] == .string("escalate"))
        #expect(value["risk_class"] == .string("financial"))
        guard case .array(let reasons)? = value["reasons"] else {
            Issue.record("reasons is not an array")
            return
        }
        #expect(reasons.count == 2)
        #expect(reasons.first?["code"] == .string("amount.approve_over"))
        #expect(reasons.first?["level"] == .string("approve"))
        #expect(reasons.last?["detail"]?.stringValue?.contains("10.0×") == true)
    }
}
