import CountersignCore
import Foundation
import Yams

/// Reads a policy file (CONTRACT §4): the built-in default with what the file names overridden,
/// validated strictly. Every problem is reported with file, line and column.
public enum PolicyFile {
    /// Loads and validates the policy at `path`.
    public static func load(path: String) throws(ConfigError) -> Policy {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(issues: [ConfigIssue(file: path, line: 0, column: 0, message: "cannot read the file: \(Self.reason(error))")])
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses and validates policy YAML on top of `base` (the built-in default unless given).
    public static func parse(yaml: String, file: String = "policy", base: Policy = .default) throws(ConfigError) -> Policy {
        var reader = YAMLReader(file: file)
        var policy = base
        if let root = reader.compose(yaml) {
            read(root, into: &policy, &reader)
        }
        guard reader.issues.isEmpty else { throw ConfigError(issues: reader.issues) }
        return policy
    }

    /// Reads policy keys from an already composed mapping (the server config's inline `policy:`).
    static func read(_ root: Node, into policy: inout Policy, _ reader: inout YAMLReader) {
        if reader.isNull(root) { return }
        let keys = [
            "version", "currency", "risk_classes", "default_risk_class", "operations", "amounts", "sanity", "escalation", "approvals",
            "shadow",
        ]
        guard let members = reader.mapping(root, "the policy", allowed: keys) else { return }
        var classMarks: [String: Mark] = [:]
        var operationMarks: [String: Mark] = [:]
        var defaultClassNode: Node?
        var amountsNode: Node?
        var approvalsNode: Node?
        var shadowMarks: [String: Node] = [:]
        for (key, _, value) in members {
            switch key {
            case "version":
                if reader.integer(value, "version", minimum: 1) != nil, value.scalar?.string != "1" {
                    reader.record(value, "version must be 1, the only policy format this Countersign reads")
                }
            case "currency":
                if let code = reader.string(value, "currency") {
                    if code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                        policy.currency = code
                    } else {
                        reader.record(value, "currency must be a three-letter ISO 4217 code such as USD")
                    }
                }
            case "risk_classes": readRiskClasses(value, &policy, &classMarks, &reader)
            case "default_risk_class":
                defaultClassNode = value
                if let name = reader.string(value, "default_risk_class") { policy.defaultRiskClass = name }
            case "operations": readOperations(value, &policy, &operationMarks, &reader)
            case "amounts":
                amountsNode = value
                readAmounts(value, &policy, &reader)
            case "sanity":
                for (key, _, value) in reader.mapping(value, "sanity", allowed: ["max_reference_ratio"]) ?? [] where key == "max_reference_ratio" {
                    if reader.isNull(value) || value.bool == false {
                        policy.sanity.maxReferenceRatio = nil
                    } else if let ratio = reader.decimal(value, "sanity.max_reference_ratio") {
                        if ratio > 0 {
                            policy.sanity.maxReferenceRatio = ratio
                        } else {
                            reader.record(value, "sanity.max_reference_ratio must be above 0")
                        }
                    }
                }
            case "escalation": readEscalation(value, &policy, &reader)
            case "approvals":
                approvalsNode = value
                readApprovals(value, &policy, &reader)
            case "shadow": readShadow(value, &policy, &shadowMarks, &reader)
            default: break
            }
        }
        // Cross-checks, each reported where the offending value was written.
        for (name, thresholds) in policy.riskClasses {
            if let problem = thresholds.problem { reader.record(classMarks[name] ?? root.mark, "risk class \(name): \(problem)") }
        }
        if policy.riskClasses[policy.defaultRiskClass] == nil {
            reader.record(
                defaultClassNode?.mark ?? root.mark,
                "unknown risk class '\(policy.defaultRiskClass)' for default_risk_class; expected one of: \(knownClasses(policy))")
        }
        for (operation, rule) in policy.operations.sorted(by: { $0.key < $1.key }) {
            let mark = operationMarks[operation] ?? root.mark
            if policy.riskClasses[rule.riskClass] == nil {
                reader.record(mark, "unknown risk class '\(rule.riskClass)' for operation \(operation); expected one of: \(knownClasses(policy))")
            } else if let problem = rule.thresholds?.problem {
                reader.record(mark, "operation \(operation): \(problem)")
            }
        }
        if let approve = policy.amounts.approveOver, let escalate = policy.amounts.escalateOver, escalate < approve {
            reader.record(amountsNode?.mark ?? root.mark, "amounts.escalate_over (\(escalate)) must not be below amounts.approve_over (\(approve))")
        }
        for (operation, node) in shadowMarks.sorted(by: { $0.key < $1.key }) where policy.operations[operation] == nil {
            reader.record(
                node, "shadow.operations names '\(operation)', which is not under operations; name it there (with its risk class) first")
        }
        if policy.approvals.timeout > policy.approvals.maxTimeout {
            reader.record(approvalsNode?.mark ?? root.mark, "approvals.timeout must not be longer than approvals.max_timeout")
        }
        if let remind = policy.approvals.remindBefore, remind >= policy.approvals.timeout {
            reader.record(
                approvalsNode?.mark ?? root.mark,
                "approvals.remind_before must be shorter than approvals.timeout (a reminder is sent that long before the deadline)")
        }
        reader.sortIssues()
    }

    private static func knownClasses(_ policy: Policy) -> String { policy.riskClasses.keys.sorted().joined(separator: ", ") }

    private static func readRiskClasses(_ node: Node, _ policy: inout Policy, _ marks: inout [String: Mark], _ reader: inout YAMLReader) {
        for (name, keyNode, value) in reader.mapping(node, "risk_classes") ?? [] {
            marks[name] = value.mark ?? keyNode.mark
            let existing = policy.riskClasses[name]
            guard let members = reader.mapping(value, "risk_classes.\(name)", allowed: ["auto", "notify", "approve"]),
                let thresholds = readThresholds(members, at: value, "risk_classes.\(name)", base: existing, &reader)
            else { continue }
            policy.riskClasses[name] = thresholds
        }
    }

    /// Thresholds, some of them named; the rest come from `base`. A new class must name all three.
    private static func readThresholds(
        _ members: [(key: String, keyNode: Node, value: Node)], at node: Node, _ path: String, base: Thresholds?, _ reader: inout YAMLReader
    ) -> Thresholds? {
        var auto = base?.auto
        var notify = base?.notify
        var approve = base?.approve
        for (key, _, value) in members {
            switch key {
            case "auto": auto = reader.probability(value, "\(path).auto") ?? auto
            case "notify": notify = reader.probability(value, "\(path).notify") ?? notify
            case "approve": approve = reader.probability(value, "\(path).approve") ?? approve
            default: break
            }
        }
        guard let auto, let notify, let approve else {
            reader.record(node, "\(path) must name auto, notify and approve thresholds")
            return nil
        }
        return Thresholds(auto: auto, notify: notify, approve: approve)
    }

    private static func readOperations(_ node: Node, _ policy: inout Policy, _ marks: inout [String: Mark], _ reader: inout YAMLReader) {
        for (operation, keyNode, value) in reader.mapping(node, "operations") ?? [] {
            marks[operation] = value.mark ?? keyNode.mark
            if value.scalar != nil {
                if let riskClass = reader.string(value, "operations.\(operation)") {
                    policy.operations[operation] = OperationRule(riskClass: riskClass)
                }
                continue
            }
            let path = "operations.\(operation)"
            guard let members = reader.mapping(value, path, allowed: ["class", "auto", "notify", "approve", "shadow", "decisions"]) else { continue }
            guard let classNode = members.first(where: { $0.key == "class" })?.value else {
                reader.record(value, "\(path) must name its risk class with class:")
                continue
            }
            guard let riskClass = reader.string(classNode, "\(path).class") else { continue }
            var rule = OperationRule(riskClass: riskClass)
            if let shadowNode = members.first(where: { $0.key == "shadow" })?.value {
                rule.shadow = reader.bool(shadowNode, "\(path).shadow") ?? false
            }
            if let decisionsNode = members.first(where: { $0.key == "decisions" })?.value {
                rule.decisions = readDecisions(decisionsNode, "\(path).decisions", &reader)
            }
            let thresholdMembers = members.filter { !["class", "shadow", "decisions"].contains($0.key) }
            if !thresholdMembers.isEmpty {
                let base = policy.riskClasses[riskClass]
                rule.thresholds = readThresholds(
                    thresholdMembers, at: value, path, base: base ?? Thresholds(auto: 1, notify: 1, approve: 1), &reader)
            }
            policy.operations[operation] = rule
        }
    }

    /// `[approve, reject, take_over]`: a non-empty list of distinct decisions.
    private static func readDecisions(_ node: Node, _ path: String, _ reader: inout YAMLReader) -> [HumanDecision]? {
        let names = HumanDecision.allCases.map(\.rawValue).joined(separator: ", ")
        guard let items = reader.sequence(node, path) else { return nil }
        guard !items.isEmpty else {
            reader.record(node, "\(path) must list at least one of \(names); leave it out to offer them all")
            return nil
        }
        var decisions: [HumanDecision] = []
        for item in items {
            guard let name = reader.string(item, "\(path) entries") else { continue }
            guard let decision = HumanDecision(rawValue: name) else {
                reader.record(item, "\(path) lists '\(name)', which is not a decision; expected one of \(names)")
                continue
            }
            guard !decisions.contains(decision) else {
                reader.record(item, "\(path) lists '\(name)' twice")
                continue
            }
            decisions.append(decision)
        }
        return decisions
    }

    private static func readAmounts(_ node: Node, _ policy: inout Policy, _ reader: inout YAMLReader) {
        let keys = ["approve_over", "escalate_over", "urgent_over", "dual_approval_over", "other_currencies"]
        for (key, _, value) in reader.mapping(node, "amounts", allowed: keys) ?? [] {
            if key == "other_currencies" {
                for (code, codeNode, rules) in reader.mapping(value, "amounts.other_currencies") ?? [] {
                    guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                        reader.record(codeNode, "amounts.other_currencies keys must be three-letter ISO 4217 codes such as EUR")
                        continue
                    }
                    var limits = AmountRules(approveOver: nil, escalateOver: nil, urgentOver: nil)
                    for (limit, _, amount) in reader.mapping(rules, "amounts.other_currencies.\(code)", allowed: Array(keys.prefix(4))) ?? [] {
                        readLimit(limit, amount, "amounts.other_currencies.\(code)", &limits, &reader)
                    }
                    if let approve = limits.approveOver, let escalate = limits.escalateOver, escalate < approve {
                        reader.record(
                            rules, "amounts.other_currencies.\(code).escalate_over (\(escalate)) must not be below approve_over (\(approve))")
                    }
                    policy.amounts.otherCurrencies[code] = limits
                }
            } else {
                readLimit(key, value, "amounts", &policy.amounts, &reader)
            }
        }
    }

    /// One amount limit: a non-negative decimal, or `null`/`false` to turn it off.
    private static func readLimit(_ key: String, _ value: Node, _ path: String, _ rules: inout AmountRules, _ reader: inout YAMLReader) {
        let off = reader.isNull(value) || value.bool == false
        let amount = off ? nil : reader.decimal(value, "\(path).\(key)")
        if amount == nil, !off { return }
        switch key {
        case "approve_over": rules.approveOver = amount
        case "escalate_over": rules.escalateOver = amount
        case "dual_approval_over": rules.dualApprovalOver = amount
        default: rules.urgentOver = amount
        }
    }

    private static func readEscalation(_ node: Node, _ policy: inout Policy, _ reader: inout YAMLReader) {
        let keys = ["pii", "human_request", "legal", "consecutive_rejections", "approvals_per_subject", "low_confidence_streak"]
        for (key, _, value) in reader.mapping(node, "escalation", allowed: keys) ?? [] {
            let off = reader.isNull(value) || value.bool == false
            switch key {
            case "pii":
                if off {
                    policy.escalation.pii = []
                } else if value.bool == true {
                    policy.escalation.pii = Set(PIIKind.allCases)
                } else if let items = reader.sequence(value, "escalation.pii") {
                    var kinds: Set<PIIKind> = []
                    for item in items {
                        guard let name = reader.string(item, "escalation.pii entries") else { continue }
                        if let kind = PIIKind(rawValue: name) {
                            kinds.insert(kind)
                        } else {
                            reader.record(
                                item,
                                "unknown personal data kind '\(name)'; expected one of: \(PIIKind.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                    }
                    policy.escalation.pii = kinds
                }
            case "human_request":
                if let phrases = readPhrases(value, "escalation.human_request", defaults: Policy.defaultHumanRequestPhrases, &reader) {
                    policy.escalation.humanRequestPhrases = phrases
                }
            case "legal":
                if let phrases = readPhrases(value, "escalation.legal", defaults: Policy.defaultLegalPhrases, &reader) {
                    policy.escalation.legalPhrases = phrases
                }
            case "consecutive_rejections":
                if off {
                    policy.escalation.consecutiveRejections = nil
                } else if let count = reader.integer(value, "escalation.consecutive_rejections", minimum: 1) {
                    policy.escalation.consecutiveRejections = count
                }
            case "approvals_per_subject":
                if off {
                    policy.escalation.approvalsPerSubject = nil
                    continue
                }
                guard let members = reader.mapping(value, "escalation.approvals_per_subject", allowed: ["max", "within"]) else { continue }
                var rule = policy.escalation.approvalsPerSubject ?? WindowedCount(max: 3, within: 86400)
                for (key, _, value) in members {
                    if key == "max" { rule.max = reader.integer(value, "escalation.approvals_per_subject.max", minimum: 1) ?? rule.max }
                    if key == "within" { rule.within = reader.duration(value, "escalation.approvals_per_subject.within") ?? rule.within }
                }
                policy.escalation.approvalsPerSubject = rule
            case "low_confidence_streak":
                if off {
                    policy.escalation.lowConfidenceStreak = nil
                    continue
                }
                guard let members = reader.mapping(value, "escalation.low_confidence_streak", allowed: ["count", "below", "within"]) else { continue }
                var rule = policy.escalation.lowConfidenceStreak ?? LowConfidenceStreak(count: 3, below: 0.6, within: 3600)
                for (key, _, value) in members {
                    switch key {
                    case "count": rule.count = reader.integer(value, "escalation.low_confidence_streak.count", minimum: 1) ?? rule.count
                    case "below": rule.below = reader.probability(value, "escalation.low_confidence_streak.below") ?? rule.below
                    default: rule.within = reader.duration(value, "escalation.low_confidence_streak.within") ?? rule.within
                    }
                }
                policy.escalation.lowConfidenceStreak = rule
            default: break
            }
        }
    }

    /// `true` (the defaults), `false` (off), a list (replaces the defaults), or
    /// `{phrases: [...], include_defaults: true}`.
    private static func readPhrases(_ node: Node, _ path: String, defaults: [String], _ reader: inout YAMLReader) -> [String]? {
        if reader.isNull(node) || node.bool == false { return [] }
        if node.bool == true { return defaults }
        func list(_ node: Node) -> [String]? {
            guard let items = reader.sequence(node, "\(path) phrases") else { return nil }
            var phrases: [String] = []
            for item in items {
                guard let phrase = reader.string(item, "\(path) phrases") else { continue }
                if phrase.trimmingCharacters(in: .whitespaces).isEmpty {
                    reader.record(item, "\(path) phrases must not be empty")
                } else {
                    phrases.append(phrase)
                }
            }
            return phrases
        }
        if node.sequence != nil { return list(node) }
        if node.mapping != nil {
            guard let members = reader.mapping(node, path, allowed: ["phrases", "include_defaults"]) else { return nil }
            var phrases: [String] = []
            var includeDefaults = false
            for (key, _, value) in members {
                if key == "phrases" { phrases = list(value) ?? [] }
                if key == "include_defaults" { includeDefaults = reader.bool(value, "\(path).include_defaults") ?? false }
            }
            return (includeDefaults ? defaults : []) + phrases
        }
        reader.record(node, "\(path) must be true, false, a list of phrases, or {phrases: [...], include_defaults: true}")
        return nil
    }

    private static func readApprovals(_ node: Node, _ policy: inout Policy, _ reader: inout YAMLReader) {
        for (key, _, value) in reader.mapping(node, "approvals", allowed: ["timeout", "max_timeout", "fallback", "remind_before"]) ?? [] {
            switch key {
            case "remind_before":
                guard value.scalar?.string != "null", value.scalar?.string != "false" else {
                    policy.approvals.remindBefore = nil
                    continue
                }
                policy.approvals.remindBefore = reader.duration(value, "approvals.remind_before")
            case "timeout": policy.approvals.timeout = reader.duration(value, "approvals.timeout") ?? policy.approvals.timeout
            case "max_timeout": policy.approvals.maxTimeout = reader.duration(value, "approvals.max_timeout") ?? policy.approvals.maxTimeout
            default:
                if let text = reader.string(value, "approvals.fallback") {
                    if text.trimmingCharacters(in: .whitespaces).isEmpty {
                        reader.record(value, "approvals.fallback must not be empty: every approval needs a safe fallback")
                    } else {
                        policy.approvals.fallback = text
                    }
                }
            }
        }
    }

    /// `shadow: true|false` (every operation, or none), or `{all: true|false, operations: [names]}`.
    private static func readShadow(_ node: Node, _ policy: inout Policy, _ marks: inout [String: Node], _ reader: inout YAMLReader) {
        if reader.isNull(node) {
            policy.shadow = .off
            return
        }
        if node.scalar != nil {
            if let all = reader.bool(node, "shadow") { policy.shadow = ShadowMode(all: all) }
            return
        }
        guard node.mapping != nil else {
            reader.record(node, "shadow must be true, false, or {all: true|false, operations: [names]}")
            return
        }
        var shadow = ShadowMode()
        for (key, _, value) in reader.mapping(node, "shadow", allowed: ["all", "operations"]) ?? [] {
            if key == "all" {
                shadow.all = reader.bool(value, "shadow.all") ?? false
            } else if let items = reader.sequence(value, "shadow.operations") {
                for item in items {
                    guard let name = reader.string(item, "shadow.operations entries") else { continue }
                    shadow.operations.insert(name)
                    marks[name] = item
                }
            }
        }
        policy.shadow = shadow
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}

extension YAMLReader {
    /// Orders issues by position so the first one in the file comes first.
    mutating func sortIssues() {
        let sorted = issues.enumerated().sorted { lhs, rhs in
            let (l, r) = (lhs.element, rhs.element)
            if l.line != r.line { return l.line < r.line }
            if l.column != r.column { return l.column < r.column }
            return lhs.offset < rhs.offset
        }.map(\.element)
        replaceIssues(with: sorted)
    }
}
