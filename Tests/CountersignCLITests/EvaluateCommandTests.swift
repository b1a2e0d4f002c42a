import Foundation
import Testing

/// `countersign evaluate` and `countersign policy check`, through the built executable.
@Suite struct EvaluateCommandTests {
    func decode(_ line: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func oneOutputLinePerInputLineInOrderAndBadLinesInPlace() async throws {
        let input = """
            {"agent":"bot","operation":"lookup_order","confidence":0.7,"action":"Look up A-1"}
            not json
            {"agent":"bot","operation":"refund","confidence":0.97,"amount":2400,"reference_amount":240,"action":"Refund A-1042"}

            {"agent":"bot","operation":"refund","confidence":1.5,"action":"x"}
            {"idempotency_key":"k-6","agent":"bot","operation":"update_address","confidence":0.85,"action":"Update the address"}

            """
        let result = try await CLIRunner.run(["evaluate"], input: input)
        #expect(result.status == 1)
        let lines = result.lines
        try #require(lines.count == 6)
        let outputs = try lines.map(decode)
        #expect(outputs.map { $0["line"] as? Int } == [1, 2, 3, 4, 5, 6])
        #expect(outputs[0]["level"] as? String == "auto")
        #expect((outputs[1]["error"] as? [String: Any])?["code"] as? String == "invalid_json")
        #expect(outputs[2]["level"] as? String == "escalate")
        let codes = (outputs[2]["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["confidence.financial", "amount.approve_over", "sanity.reference_ratio"])
        #expect((outputs[3]["error"] as? [String: Any])?["code"] as? String == "invalid_json")
        let error = try #require(outputs[4]["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalid_proposal")
        #expect((error["message"] as? String)?.contains("confidence") == true)
        #expect(outputs[5]["idempotency_key"] as? String == "k-6")
        #expect(outputs[5]["level"] as? String == "auto")
    }

    @Test func exitsZeroWhenEveryLineIsValidAndReadsAFile() async throws {
        let path = try CLIRunner.temporaryFile(
            #"{"agent":"bot","operation":"cancel_order","confidence":0.9,"action":"Cancel A-7"}"# + "\n", suffix: ".jsonl")
        let result = try await CLIRunner.run(["evaluate", path])
        #expect(result.status == 0)
        #expect(try decode(try #require(result.lines.first))["level"] as? String == "notify")
    }

    @Test func perSubjectRulesFollowTheStreamsOwnTime() async throws {
        func line(_ at: String, _ confidence: Double) -> String {
            #"{"agent":"bot","operation":"lookup_order","confidence":\#(confidence),"subject":"c-1","action":"Look up","at":"\#(at)"}"#
        }
        // Three low-confidence proposals within an hour escalate the third; a fourth two hours later does not.
        let input = [
            line("2026-11-24T10:00:00Z", 0.5), line("2026-11-24T10:20:00Z", 0.5), line("2026-11-24T10:40:00Z", 0.5),
            line("2026-11-24T12:40:00Z", 0.5),
        ].joined(separator: "\n")
        let outputs = try await CLIRunner.run(["evaluate"], input: input).lines.map(decode)
        try #require(outputs.count == 4)
        func codes(_ index: Int) -> [String] {
            ((outputs[index]["reasons"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        }
        #expect(!codes(1).contains("confidence.low_streak"))
        #expect(codes(2).contains("confidence.low_streak"))
        #expect(outputs[2]["level"] as? String == "escalate")
        #expect(!codes(3).contains("confidence.low_streak"))
    }

    @Test func aPolicyFileChangesTheVerdict() async throws {
        let policy = try CLIRunner.temporaryFile("risk_classes:\n  financial: {auto: 0.9, notify: 0.85}\n")
        let input = #"{"agent":"bot","operation":"refund","confidence":0.95,"amount":10,"action":"Refund"}"#
        let withDefault = try #require(await CLIRunner.run(["evaluate"], input: input).lines.first)
        #expect(try decode(withDefault)["level"] as? String == "notify")
        let withFile = try #require(await CLIRunner.run(["evaluate", "--policy", policy], input: input).lines.first)
        #expect(try decode(withFile)["level"] as? String == "auto")
    }

    @Test func aShadowPolicyShowsBothLevels() async throws {
        let policy = try CLIRunner.temporaryFile("shadow:\n  operations: [refund]\n")
        let input = [
            #"{"agent":"bot","operation":"refund","confidence":0.995,"amount":10,"action":"Refund"}"#,
            #"{"agent":"bot","operation":"lookup_order","confidence":0.99,"action":"Look up"}"#,
        ].joined(separator: "\n")
        let lines = try await CLIRunner.run(["evaluate", "--policy", policy], input: input).lines
        #expect(lines.count == 2)
        let shadow = try decode(lines[0])
        #expect(shadow["level"] as? String == "approve")
        #expect(shadow["policy_level"] as? String == "auto")
        #expect((shadow["reasons"] as? [[String: Any]])?.map { $0["code"] as? String } == ["shadow_mode"])
        let live = try decode(lines[1])
        #expect(live["level"] as? String == "auto")
        #expect(live["policy_level"] == nil)
        // policy check names a misspelt shadow operation where it is written.
        let typo = try CLIRunner.temporaryFile("shadow:\n  operations: [refnd]\n")
        let check = try await CLIRunner.run(["policy", "check", typo])
        #expect(check.status == 1)
        #expect(check.stderr.contains("\(typo):2:16: shadow.operations names 'refnd'"))
    }

    @Test func aBadPolicyIsRefusedBeforeAnythingIsRead() async throws {
        let policy = try CLIRunner.temporaryFile("risk_classes:\n  financial: {auto: 0.5, notify: 0.9}\n")
        let result = try await CLIRunner.run(["evaluate", "--policy", policy], input: "{}")
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\(policy):2:14: risk class financial: thresholds must satisfy auto >= notify >= approve"))
    }

    @Test func policyCheckReportsEveryProblemWithLineAndColumn() async throws {
        let good = try CLIRunner.temporaryFile("version: 1\namounts: {approve_over: 250}\n")
        let ok = try await CLIRunner.run(["policy", "check", good])
        #expect(ok.status == 0)

        let bad = try CLIRunner.temporaryFile("version: 1\nbogus: true\napprovals:\n  timeout: soon\n")
        let result = try await CLIRunner.run(["policy", "check", bad])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(bad):2:1: unknown key 'bogus'"))
        #expect(result.stderr.contains("\(bad):4:12: approvals.timeout must be a duration"))

        let missing = try await CLIRunner.run(["policy", "check", "/nonexistent/policy.yaml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file"))
    }

    @Test func streamsManyLines() async throws {
        let count = 20_000
        var input = ""
        for index in 0..<count {
            input +=
                #"{"agent":"bot","operation":"refund","confidence":0.99,"amount":\#(index % 900),"subject":"c-\#(index % 97)","action":"Refund"}"#
                + "\n"
        }
        let result = try await CLIRunner.run(["evaluate"], input: input)
        #expect(result.status == 0)
        let lines = result.lines
        #expect(lines.count == count)
        #expect(try decode(lines[count - 1])["line"] as? Int == count)
    }
}
