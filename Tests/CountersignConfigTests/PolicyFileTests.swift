import CountersignConfig
import CountersignCore
import Foundation
import Testing

/// Policy files (CONTRACT §4): the built-in default with what the file names overridden, and every
/// bad file refused with its line, column and what was expected.
@Suite("Policy file")
struct PolicyFileTests {
    static let contractExample = """
        version: 1
        currency: USD
        risk_classes:
          read_only:       {auto: 0.60, notify: 0.40, approve: 0.20}
          low_risk_write:  {auto: 0.85, notify: 0.70, approve: 0.50}
          high_risk_write: {auto: 0.95, notify: 0.85, approve: 0.70}
          financial:       {auto: 0.99, notify: 0.95, approve: 0.80}
        default_risk_class: high_risk_write
        operations:
          lookup_order: read_only
          update_address: low_risk_write
          cancel_order: high_risk_write
          refund: financial
        amounts: {approve_over: 500, escalate_over: 5000, urgent_over: 1000}
        sanity: {max_reference_ratio: 1.0}
        escalation:
          pii: [card_number, iban, us_ssn, cn_resident_id]
          human_request: true
          legal: true
          consecutive_rejections: 2
          approvals_per_subject: {max: 3, within: 24h}
          low_confidence_streak: {count: 3, below: 0.6, within: 1h}
        approvals:
          timeout: 30m
          fallback: "Tell the customer a specialist will follow up shortly"
        """

    static func parse(_ yaml: String) throws(ConfigError) -> Policy {
        try PolicyFile.parse(yaml: yaml, file: "policy.yaml")
    }

    static func issues(_ yaml: String) -> [ConfigIssue] {
        do {
            _ = try parse(yaml)
            return []
        } catch {
            return error.issues
        }
    }

    // MARK: Defaults and overrides

    @Test("a file with nothing in it is the built-in default", arguments: ["", "\n", "# only a comment\n", "version: 1\n", "---\n", "~"])
    func emptyIsDefault(yaml: String) throws {
        #expect(try Self.parse(yaml) == Policy.default)
    }

    @Test("the CONTRACT's example is exactly the built-in default")
    func contractExampleIsDefault() throws {
        let policy = try Self.parse(Self.contractExample)
        #expect(policy == Policy.default)
        #expect(policy.escalation.humanRequestPhrases == Policy.defaultHumanRequestPhrases)
        #expect(policy.escalation.legalPhrases == Policy.defaultLegalPhrases)
    }

    @Test("thresholds merge: a class names only what it changes")
    func thresholdsMerge() throws {
        let policy = try Self.parse("risk_classes:\n  financial: {auto: 0.97}\n")
        #expect(policy.riskClasses["financial"] == Thresholds(auto: 0.97, notify: 0.95, approve: 0.80))
        #expect(policy.riskClasses["read_only"] == Policy.default.riskClasses["read_only"])
        #expect(policy.riskClasses.count == 4)
        var expected = Policy.default
        expected.riskClasses["financial"]?.auto = 0.97
        #expect(policy == expected)
    }

    @Test("new risk classes and operations are added next to the defaults")
    func newClassesAndOperations() throws {
        let policy = try Self.parse(
            """
            risk_classes:
              critical:
                auto: 1.0
                notify: 0.99
                approve: 0.9
            operations:
              delete_account: critical
              refund: {class: financial, auto: 0.97, notify: 0.93}
            default_risk_class: critical
            """)
        #expect(policy.riskClasses["critical"] == Thresholds(auto: 1.0, notify: 0.99, approve: 0.9))
        #expect(policy.operations["delete_account"] == OperationRule(riskClass: "critical"))
        #expect(policy.operations["refund"] == OperationRule(riskClass: "financial", thresholds: Thresholds(auto: 0.97, notify: 0.93, approve: 0.80)))
        #expect(policy.operations["lookup_order"] == OperationRule(riskClass: "read_only"))
        #expect(policy.defaultRiskClass == "critical")
        #expect(policy.classify("delete_account").riskClass == "critical")
        #expect(policy.classify("anything_else").riskClass == "critical")
        let engine = DecisionEngine(policy: policy)
        #expect(engine.decide(Proposal(agent: "a", operation: "refund", confidence: 0.975, action: "x")).level == .auto)
        #expect(engine.decide(Proposal(agent: "a", operation: "delete_account", confidence: 0.995, action: "x")).level == .notify)
    }

    @Test("amounts, sanity, escalation and approvals override what they name")
    func otherOverrides() throws {
        let policy = try Self.parse(
            """
            currency: EUR
            amounts:
              approve_over: 1_000
              urgent_over: null
            sanity: {max_reference_ratio: 1.5}
            escalation:
              pii: [iban]
              human_request: ["operator please"]
              legal: {phrases: [chargeback], include_defaults: true}
              consecutive_rejections: false
              approvals_per_subject: {within: 12h}
              low_confidence_streak: {count: 5}
            approvals:
              timeout: 1h30m
              max_timeout: 2d
              fallback: Say we will call back
            """)
        var expected = Policy.default
        expected.currency = "EUR"
        expected.amounts = AmountRules(approveOver: 1000, escalateOver: 5000, urgentOver: nil)
        expected.sanity = SanityRules(maxReferenceRatio: Decimal(string: "1.5")!)
        expected.escalation.pii = [.iban]
        expected.escalation.humanRequestPhrases = ["operator please"]
        expected.escalation.legalPhrases = Policy.defaultLegalPhrases + ["chargeback"]
        expected.escalation.consecutiveRejections = nil
        expected.escalation.approvalsPerSubject = WindowedCount(max: 3, within: 43200)
        expected.escalation.lowConfidenceStreak = LowConfidenceStreak(count: 5, below: 0.6, within: 3600)
        expected.approvals = ApprovalRules(timeout: 5400, maxTimeout: 172_800, fallback: "Say we will call back")
        #expect(policy == expected)
    }

    @Test(
        "rules can be turned off",
        arguments: [
            "escalation: {pii: false, human_request: false, legal: false, consecutive_rejections: false, approvals_per_subject: false,"
                + " low_confidence_streak: false}",
            "escalation: {pii: [], human_request: [], legal: [], consecutive_rejections: ~, approvals_per_subject: null, low_confidence_streak: ~}",
        ])
    func rulesOff(yaml: String) throws {
        let policy = try Self.parse(yaml)
        #expect(policy.escalation.pii.isEmpty)
        #expect(policy.escalation.humanRequestPhrases.isEmpty)
        #expect(policy.escalation.legalPhrases.isEmpty)
        #expect(policy.escalation.consecutiveRejections == nil)
        #expect(policy.escalation.approvalsPerSubject == nil)
        #expect(policy.escalation.lowConfidenceStreak == nil)
        let proposal = Proposal(
            agent: "a", operation: "lookup_order", confidence: 1, subject: "s", action: "card 4111 1111 1111 1111, sue",
            messages: [Message(role: "customer", text: "talk to a human")])
        #expect(DecisionEngine(policy: policy).decide(proposal, history: SubjectHistory(recentDecisions: [.rejected, .rejected])).level == .auto)
    }

    @Test("amount rules can be turned off")
    func amountsOff() throws {
        let policy = try Self.parse("amounts: {approve_over: false, escalate_over: ~}\nsanity: {max_reference_ratio: false}")
        #expect(policy.amounts.approveOver == nil)
        #expect(policy.amounts.escalateOver == nil)
        #expect(policy.amounts.urgentOver == 1000)
        #expect(policy.sanity.maxReferenceRatio == nil)
    }

    @Test("custom phrase lists from the file drive the engine")
    func customPhrases() throws {
        let policy = try Self.parse("escalation:\n  human_request: [operator please]\n  legal: [chargeback]\n")
        let engine = DecisionEngine(policy: policy)
        let custom = Proposal(
            agent: "a", operation: "lookup_order", confidence: 1, action: "x",
            messages: [Message(role: "customer", text: "OPERATOR\n please, or it's a Chargeback")])
        #expect(engine.decide(custom).reasons.map(\.code) == ["human_request", "legal"])
        let defaults = Proposal(
            agent: "a", operation: "lookup_order", confidence: 1, action: "x", messages: [Message(role: "customer", text: "talk to a human or I sue")]
        )
        #expect(engine.decide(defaults).reasons.isEmpty)
    }

    @Test("a file overrides the base it is given")
    func customBase() throws {
        var base = Policy.default
        base.currency = "GBP"
        let policy = try PolicyFile.parse(yaml: "amounts: {approve_over: 100}", base: base)
        #expect(policy.currency == "GBP")
        #expect(policy.amounts.approveOver == 100)
    }

    @Test("load reads a file from disk and names it in errors")
    func load() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("countersign-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.yaml")
        try "amounts: {approve_over: 250}\n".write(to: good, atomically: true, encoding: .utf8)
        #expect(try PolicyFile.load(path: good.path).amounts.approveOver == 250)

        let bad = folder.appendingPathComponent("bad.yaml")
        try "version: 1\ncolour: blue\n".write(to: bad, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) { try PolicyFile.load(path: bad.path) }
        #expect(error?.issues.first?.file == bad.path)
        #expect(error?.description.hasPrefix("\(bad.path):2:1: unknown key 'colour'") == true)

        let missing = #expect(throws: ConfigError.self) { try PolicyFile.load(path: folder.appendingPathComponent("nope.yaml").path) }
        #expect(missing?.issues.first?.line == 0)
        #expect(missing?.issues.first?.message.contains("no such file") == true)
    }

    // MARK: Bad files

    struct Bad: Sendable, CustomTestStringConvertible {
        var yaml: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { "\(message) at \(line):\(column)" }
        init(_ yaml: String, _ line: Int, _ column: Int, _ message: String) {
            self.yaml = yaml
            self.line = line
            self.column = column
            self.message = message
        }
    }

    static let badFiles: [Bad] = [
        // Unknown keys, at the top level and nested.
        Bad("version: 1\ncolour: blue\n", 2, 1, "unknown key 'colour' in the policy"),
        Bad("amounts:\n  approve_over: 500\n  escalate_ovr: 6000\n", 3, 3, "unknown key 'escalate_ovr' in amounts"),
        Bad("risk_classes:\n  financial: {auto: 0.99, notfy: 0.9}\n", 2, 27, "unknown key 'notfy' in risk_classes.financial"),
        Bad("escalation:\n  pii: [iban]\n  humans: true\n", 3, 3, "unknown key 'humans' in escalation"),
        Bad("escalation:\n  approvals_per_subject: {max: 3, per: 24h}\n", 2, 35, "unknown key 'per' in escalation.approvals_per_subject"),
        Bad("operations:\n  refund: {class: financial, automatic: 0.9}\n", 2, 30, "unknown key 'automatic' in operations.refund"),
        Bad("approvals:\n  timeout: 30m\n  escalate_to: bob\n", 3, 3, "unknown key 'escalate_to' in approvals"),
        Bad("sanity: {max_ratio: 2}\n", 1, 10, "unknown key 'max_ratio' in sanity"),
        // Thresholds outside 0…1.
        Bad("risk_classes:\n  financial: {auto: 1.5}\n", 2, 21, "risk_classes.financial.auto must be a number between 0 and 1"),
        Bad("risk_classes:\n  read_only:\n    notify: -0.1\n", 3, 13, "risk_classes.read_only.notify must be a number between 0 and 1"),
        Bad("risk_classes:\n  financial: {approve: high}\n", 2, 24, "risk_classes.financial.approve must be a number between 0 and 1"),
        Bad("escalation:\n  low_confidence_streak: {below: 1.5}\n", 2, 34, "escalation.low_confidence_streak.below must be a number between 0 and 1"),
        // Not auto >= notify >= approve.
        Bad(
            "risk_classes:\n  financial: {auto: 0.90, notify: 0.95, approve: 0.80}\n", 2, 14,
            "risk class financial: thresholds must satisfy auto >= notify >= approve"),
        Bad("risk_classes:\n  low_risk_write:\n    auto: 0.5\n", 3, 5, "risk class low_risk_write: thresholds must satisfy auto >= notify"),
        Bad("risk_classes:\n  read_only: {approve: 0.5}\n", 2, 14, "thresholds must satisfy auto >= notify >= approve"),
        Bad(
            "operations:\n  refund: {class: financial, auto: 0.5, notify: 0.9}\n", 2, 11,
            "operation refund: thresholds must satisfy auto >= notify >= approve"),
        Bad("risk_classes:\n  critical: {auto: 0.99}\n", 2, 13, "risk_classes.critical must name auto, notify and approve thresholds"),
        // Unknown risk classes.
        Bad("default_risk_class: critical\n", 1, 21, "unknown risk class 'critical' for default_risk_class"),
        Bad("operations:\n  wire_transfer: banking\n", 2, 18, "unknown risk class 'banking' for operation wire_transfer"),
        Bad("operations:\n  refund: {class: money, auto: 0.9}\n", 2, 11, "unknown risk class 'money' for operation refund"),
        Bad("operations:\n  refund: {auto: 0.9}\n", 2, 11, "operations.refund must name its risk class with class:"),
        // Amounts.
        Bad("amounts:\n  approve_over: -5\n", 2, 17, "amounts.approve_over must not be negative"),
        Bad("amounts: {approve_over: 100, escalate_over: -0.01}\n", 1, 45, "amounts.escalate_over must not be negative"),
        Bad("amounts: {approve_over: lots}\n", 1, 25, "amounts.approve_over must be a number"),
        Bad("amounts: {approve_over: 5000, escalate_over: 500}\n", 1, 10, "amounts.escalate_over (500) must not be below amounts.approve_over"),
        Bad("amounts:\n  escalate_over: 100\n", 2, 3, "must not be below amounts.approve_over"),
        Bad("sanity:\n  max_reference_ratio: 0\n", 2, 24, "sanity.max_reference_ratio must be above 0"),
        // Durations.
        Bad("approvals:\n  timeout: 30 minutes\n", 2, 12, "approvals.timeout must be a duration such as 90s, 30m, 24h or 7d"),
        Bad("approvals: {timeout: 3q}\n", 1, 22, "approvals.timeout must be a duration"),
        Bad("approvals: {timeout: 0s}\n", 1, 22, "approvals.timeout must be a duration"),
        Bad("escalation:\n  approvals_per_subject: {max: 3, within: 1 day}\n", 2, 43, "escalation.approvals_per_subject.within must be a duration"),
        Bad("escalation:\n  low_confidence_streak:\n    within: -1h\n", 3, 13, "escalation.low_confidence_streak.within must be a duration"),
        Bad("approvals: {timeout: 8d}\n", 1, 12, "approvals.timeout must not be longer than approvals.max_timeout"),
        // Counts.
        Bad("escalation:\n  consecutive_rejections: 0\n", 2, 27, "escalation.consecutive_rejections must be a whole number of at least 1"),
        Bad("escalation:\n  approvals_per_subject: {max: 2.5}\n", 2, 32, "escalation.approvals_per_subject.max must be a whole number of at least 1"),
        // YAML syntax.
        Bad("version: 1: 2\n", 1, 11, "invalid YAML"),
        Bad("version: 1\namounts:\n\tapprove_over: 500\n", 3, 1, "invalid YAML"),
        Bad("currency: \"USD\nversion: 1\n", 3, 1, "invalid YAML"),
        // Personal data kinds.
        Bad("escalation:\n  pii: [card_number, passport]\n", 2, 22, "unknown personal data kind 'passport'"),
        Bad("escalation:\n  pii: card_number\n", 2, 8, "escalation.pii must be a list"),
        // Version, currency, shapes.
        Bad("version: 2\n", 1, 10, "version must be 1"),
        Bad("version: 0\n", 1, 10, "version must be a whole number of at least 1"),
        Bad("version: 1.0\n", 1, 10, "version must be a whole number"),
        Bad("currency: usd\n", 1, 11, "currency must be a three-letter ISO 4217 code"),
        Bad("currency: DOLLARS\n", 1, 11, "currency must be a three-letter ISO 4217 code"),
        Bad("- version\n- 1\n", 1, 1, "the policy must be a mapping"),
        Bad("risk_classes: [financial]\n", 1, 15, "risk_classes must be a mapping"),
        Bad("escalation:\n  human_request: 42\n", 2, 18, "escalation.human_request must be true, false, a list of phrases"),
        Bad("escalation:\n  legal: [\"  \"]\n", 2, 11, "escalation.legal phrases must not be empty"),
        Bad("approvals:\n  fallback: \"\"\n", 2, 13, "approvals.fallback must not be empty"),
    ]

    @Test("bad files are refused with line, column and what was expected", arguments: badFiles)
    func badFile(_ bad: Bad) throws {
        let issues = Self.issues(bad.yaml)
        let issue = try #require(issues.first, "the file was accepted")
        #expect(issue.message.contains(bad.message), "message: \(issue.message)")
        #expect(issue.line == bad.line, "\(issue)")
        #expect(issue.column == bad.column, "\(issue)")
        #expect(issue.file == "policy.yaml")
        #expect(issue.description.hasPrefix("policy.yaml:\(bad.line):\(bad.column): "))
    }

    @Test(
        "duplicate keys are refused with the line and column of the key, without echoing the file",
        arguments: [
            // (yaml, key, first occurrence, duplicate)
            ("version: 1\ncurrency: USD\ncurrency: EUR\n", "currency", [2, 1], [3, 1]),
            ("amounts:\n  approve_over: 500\n  approve_over: 600\n", "approve_over", [2, 3], [3, 3]),
            ("escalation:\n  approvals_per_subject: {max: 3, max: 4}\n", "max", [2, 27], [2, 35]),
        ] as [(String, String, [Int], [Int])])
    func duplicateKeys(yaml: String, key: String, first: [Int], duplicate: [Int]) throws {
        let issue = try #require(Self.issues(yaml).first, "the file was accepted")
        #expect(issue.message.contains("duplicate"), "\(issue)")
        #expect(issue.message.contains("'\(key)'"), "\(issue)")
        // Either occurrence is a fair place to point at, but it must point at one of them.
        #expect([first, duplicate].contains([issue.line, issue.column]), "\(issue)")
        // The message says what is wrong; it does not carry the whole file along.
        #expect(!issue.message.contains("\n"), "\(issue.message)")
        #expect(!issue.message.contains(yaml.trimmingCharacters(in: .newlines)), "\(issue.message)")
    }

    @Test(
        "a character YAML may not hold is refused where it is (libyaml's reader names only a byte offset)",
        arguments: [
            ("version: 1\ncurrency: USD\u{07}\n", 2, 14),
            ("version: 1\u{01}\n", 1, 11),
            ("policy: {}\n# café\u{0B}\n", 2, 7),
        ] as [(String, Int, Int)])
    func controlCharacters(yaml: String, line: Int, column: Int) throws {
        let issue = try #require(Self.issues(yaml).first, "the file was accepted")
        #expect(issue.message.hasPrefix("invalid YAML"), "\(issue)")
        #expect(issue.line == line && issue.column == column, "\(issue)")
    }

    @Test("every problem in a file is reported, in file order")
    func allIssues() throws {
        let yaml = """
            version: 2
            risk_classes:
              financial: {auto: 0.5, notify: 0.9}
            default_risk_class: nope
            colour: blue
            """
        let issues = Self.issues(yaml)
        #expect(issues.map(\.line) == [1, 3, 4, 5])
        #expect(issues.map(\.line) == issues.map(\.line).sorted())
        #expect(issues.count == 4)
        let error = #expect(throws: ConfigError.self) { try Self.parse(yaml) }
        #expect(error?.description.split(separator: "\n").count == 4)
    }

    @Test("a YAML error does not leak the file's contents into the message")
    func yamlErrorMessageIsShort() throws {
        let yaml = "secret_looking_value: hunter2\nversion: 1: 2\n"
        let issue = try #require(Self.issues(yaml).first)
        #expect(!issue.message.contains("hunter2"))
        #expect(issue.line == 2)
    }
}

@Suite struct OtherCurrencyTests {
    @Test func otherCurrenciesHaveTheirOwnLimits() throws {
        let policy = try PolicyFile.parse(
            yaml: "amounts:\n  other_currencies:\n    EUR: {approve_over: 100, escalate_over: 200}\n", file: "p.yaml")
        #expect(policy.amounts.otherCurrencies["EUR"]?.approveOver == 100)
        let engine = DecisionEngine(policy: policy)
        let eur = Proposal(agent: "a", operation: "lookup_order", confidence: 1, amount: 150, currency: "EUR", action: "x")
        #expect(engine.decide(eur).reasons.map(\.code) == ["amount.approve_over"])
        let usd = Proposal(agent: "a", operation: "lookup_order", confidence: 1, amount: 150, currency: "USD", action: "x")
        #expect(engine.decide(usd).reasons.isEmpty)
        let gbp = Proposal(agent: "a", operation: "lookup_order", confidence: 1, amount: 150, currency: "GBP", action: "x")
        #expect(throws: ProposalError.self) { try engine.validate(gbp) }
        #expect(throws: Never.self) { try engine.validate(eur) }
    }

    @Test(arguments: [
        ("amounts:\n  other_currencies:\n    euro: {approve_over: 1}\n", 3, 5, "three-letter ISO 4217"),
        ("amounts:\n  other_currencies:\n    EUR: {approve_over: 10, escalate_over: 5}\n", 3, 10, "must not be below approve_over"),
        ("amounts:\n  other_currencies:\n    EUR: {maybe: 1}\n", 3, 11, "unknown key 'maybe'"),
    ])
    func badOtherCurrencies(yaml: String, line: Int, column: Int, fragment: String) throws {
        let error = try #require(throws: ConfigError.self) { try PolicyFile.parse(yaml: yaml, file: "p.yaml") }
        let issue = try #require(error.issues.first)
        #expect(issue.line == line && issue.column == column, "\(issue)")
        #expect(issue.message.contains(fragment), "\(issue)")
    }
}
