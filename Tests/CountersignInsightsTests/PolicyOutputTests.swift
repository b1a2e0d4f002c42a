import CountersignConfig
import CountersignCore
import CountersignInsights
import Foundation
import Testing

/// `calibrate --out`: the proposed thresholds written into a policy file that `policy check` accepts.
@Suite struct PolicyOutputTests {
    static func report(grouping: CalibrationGrouping = .operation, base: Policy = .default) -> CalibrationReport {
        var settings = CalibrationSettings()
        settings.grouping = grouping
        var calibrator = Calibrator(settings: settings, policy: base)
        var generator = SplitMix(seed: 21)
        for _ in 0..<20000 {
            let confidence = (generator.uniform() * 1000).rounded() / 1000
            calibrator.add(operation: "refund", confidence: confidence, approved: generator.uniform() < confidence)
        }
        for index in 0..<10 { calibrator.add(operation: "cancel_order", confidence: 0.9 + Double(index) / 100, approved: true) }
        return calibrator.finish()
    }

    @Test func thresholdsGoIntoTheOperationsSectionAndTheRestOfTheFileIsKept() throws {
        let base = """
            # our policy
            version: 1
            operations:
              lookup_order: read_only
              refund: financial   # money

            amounts: {approve_over: 200, escalate_over: 5000}
            """
        let basePolicy = try PolicyFile.parse(yaml: base)
        let report = Self.report(base: basePolicy)
        let proposed = try #require(report.groups.first { $0.key == "refund" }?.proposed)
        #expect(proposed.auto >= proposed.notify && proposed.notify >= proposed.approve)
        #expect(report.groups.first { $0.key == "cancel_order" }?.proposed == nil)
        let text = try PolicyFile.text(
            replacing: .operations, in: base, with: report.proposedPolicy(base: basePolicy), comment: report.evidence())
        #expect(text.hasPrefix("# Thresholds calibrated by `countersign calibrate`"))
        #expect(text.contains("# our policy"))
        #expect(text.contains("amounts: {approve_over: 200, escalate_over: 5000}"))
        let written = try PolicyFile.parse(yaml: text)
        #expect(written.operations["refund"] == OperationRule(riskClass: "financial", thresholds: proposed))
        #expect(written.operations["lookup_order"] == OperationRule(riskClass: "read_only"))
        #expect(written.amounts.approveOver == 200)
        #expect(text.contains("cancel_order"))  // in the evidence: no threshold, and why
    }

    @Test func byRiskClassRewritesTheRiskClasses() throws {
        let report = Self.report(grouping: .riskClass)
        let text = try PolicyFile.text(replacing: .riskClasses, in: nil, with: report.proposedPolicy(base: .default), comment: report.evidence())
        let written = try PolicyFile.parse(yaml: text)
        let financial = try #require(report.groups.first { $0.key == "financial" }?.proposed)
        #expect(written.riskClasses["financial"] == financial)
        #expect(written.riskClasses["read_only"] == Policy.default.riskClasses["read_only"])
    }

    @Test func reportDocumentHasTheContractShape() throws {
        let report = Self.report()
        let object = try #require(JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(object["target"] as? Double == 0.95)
        #expect(object["confidence"] as? Double == 0.95)
        let groups = try #require(object["groups"] as? [[String: Any]])
        let cancel = try #require(groups.first { $0["key"] as? String == "cancel_order" })
        #expect(cancel["auto_threshold"] is NSNull)
        #expect(cancel["n"] as? Int == 10)
        #expect((cancel["reason"] as? String)?.hasPrefix("only 10 decisions") == true)
        let refund = try #require(groups.first { $0["key"] as? String == "refund" })
        for key in ["auto_threshold", "n_above", "approval_rate_above", "lower_bound"] { #expect(refund[key] is NSNumber) }
        // The yaml form carries the same document.
        #expect(report.yaml.contains("auto_threshold: null"))
    }
}
