// libFuzzer target: the policy file parser and the server configuration parser (CountersignConfig,
// on Yams). The first byte chooses the parser (even: policy, odd: server configuration), the rest
// is the YAML text.
//
// Invariants: never crash; a refusal's every issue names the file and a line and column inside
// the input (libyaml's counting: lines broken by CR LF, CR, LF, NEL, LS or PS; columns in
// Unicode scalars, one past the end allowed, and the end of a text without a final line break
// on the line after it, where libyaml puts it); what is accepted obeys the rules the parser
// enforces (thresholds ordered, classes known, amounts and durations finite and non-negative,
// timeout within max_timeout).
import CountersignConfig
import CountersignCore
import Foundation
import FuzzSupport

/// A folder with the documented policy file, so that `policy: policy.yaml` in a server configuration reads it.
let directory: String = {
    let path = NSTemporaryDirectory() + "countersign-fuzz-config-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path + "/policy.yaml", contents: Data("version: 1\ncurrency: USD\n".utf8))
    return path
}()

/// The secrets a configuration may name with `key_env:`/`token_env:`/`secret_env:`.
let environment = [
    "SUPPORT_BOT_KEY": "support-bot-key-0123456789abcdef", "BILLING_BOT_KEY": "billing-bot-key-0123456789abcdef",
    "ALICE_TOKEN": "alice-token-0123456789abcdef", "BOB_TOKEN": "bob-token-0123456789abcdef", "CAROL_TOKEN": "carol-token-0123456789abcdef",
    "SUPPORT_BOT_WEBHOOK_SECRET": "whsec_MDEyMzQ1Njc4OWFiY2RlZg==", "SLACK_BOT_TOKEN": "xoxb-0123456789-abcdef",
    "SLACK_SIGNING_SECRET": "slack-signing-0123456789abcdef", "SMTP_USER": "countersign-smtp-user", "SMTP_PASSWORD": "smtp-password-0123456789",
    "AUTH": "smtp-auth-0123456789abcdef", "COUNTERSIGN_LINK_SECRET": "link-secret-0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "twilio-token-0123456789abcdef", "SHORT": "short",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzReport.run(data, size, configInvariants)
}

func configInvariants(_ bytes: [UInt8]) -> [InvariantViolation] {
    guard let selector = bytes.first else { return [] }
    let yaml = String(decoding: bytes.dropFirst(), as: UTF8.self)
    // A configuration may name a policy file; device files (/dev/stdin, /dev/zero) would block the
    // fuzzer, not the parser, so such inputs are not tried.
    if yaml.contains("/dev") || yaml.contains("/proc") || yaml.contains("/sys") { return [] }
    let file = "fuzz.yaml"
    do {
        if selector & 1 == 0 {
            return policyRules(try PolicyFile.parse(yaml: yaml, file: file), "policy")
        }
        let configuration = try ServerConfigurationFile.parse(yaml: yaml, file: file, directory: directory, environment: environment)
        return serverRules(configuration)
    } catch {
        return issuePositions(error.issues, yaml: yaml, file: file)
    }
}

/// Every issue names the file and a position inside `yaml`.
func issuePositions(_ issues: [ConfigIssue], yaml: String, file: String) -> [InvariantViolation] {
    var violations: [InvariantViolation] = []
    if issues.isEmpty { violations.append(.init("config.empty-error", "a refusal with no issue")) }
    let lines = libyamlLines(yaml)
    for issue in issues {
        if issue.file != file { violations.append(.init("config.issue-file", "an issue names \(issue.file), not \(file)")) }
        if issue.line == 0 {
            violations.append(.init("config.issue-without-position", "no line or column: \(issue.message.prefix(80))"))
        } else if issue.line == lines.count + 1 && issue.column == 1 && lines.last != 0 {
            // libyaml ends a stream whose last line has no line break on a line of its own
            // ("Force new line" in yaml_parser_fetch_stream_end): one past the last line.
            continue
        } else if !(1...lines.count).contains(issue.line) {
            violations.append(.init("config.issue-line", "line \(issue.line) of \(lines.count): \(issue.message.prefix(80))"))
        } else if !(1...(lines[issue.line - 1] + 1)).contains(issue.column) {
            violations.append(
                .init(
                    "config.issue-column",
                    "column \(issue.column) of line \(issue.line) (\(lines[issue.line - 1]) scalars): \(issue.message.prefix(80))"))
        }
    }
    return violations
}

/// The length in Unicode scalars of each line, as libyaml breaks lines (CR LF, CR, LF, NEL, LS, PS).
func libyamlLines(_ text: String) -> [Int] {
    var lines: [Int] = []
    var length = 0
    var previousCR = false
    for scalar in text.unicodeScalars {
        let isCR = scalar == "\r"
        if scalar == "\n" && previousCR {
            previousCR = false
            continue
        }
        previousCR = isCR
        if isCR || scalar == "\n" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}" {
            lines.append(length)
            length = 0
        } else {
            length += 1
        }
    }
    lines.append(length)
    return lines
}

/// What an accepted policy must satisfy.
func policyRules(_ policy: Policy, _ path: String) -> [InvariantViolation] {
    var violations: [InvariantViolation] = []
    func check(_ ok: Bool, _ invariant: String, _ detail: @autoclosure () -> String) {
        if !ok { violations.append(.init(invariant, detail())) }
    }
    for (name, thresholds) in policy.riskClasses {
        check(thresholds.problem == nil, "config.thresholds", "\(path): class \(name) accepted with \(thresholds.problem ?? "")")
        check(
            [thresholds.auto, thresholds.notify, thresholds.approve].allSatisfy { $0.isFinite && (0...1).contains($0) }, "config.thresholds",
            "\(path): class \(name) has a threshold outside 0...1")
    }
    check(policy.riskClasses[policy.defaultRiskClass] != nil, "config.unknown-class", "\(path): default_risk_class is not a class")
    for (operation, rule) in policy.operations {
        check(policy.riskClasses[rule.riskClass] != nil, "config.unknown-class", "\(path): operation \(operation) has an unknown class")
        if let thresholds = rule.thresholds { check(thresholds.problem == nil, "config.thresholds", "\(path): operation \(operation)") }
    }
    func amounts(_ rules: AmountRules, _ where: String) {
        for (name, value) in [
            ("approve_over", rules.approveOver), ("escalate_over", rules.escalateOver), ("urgent_over", rules.urgentOver),
            ("dual_approval_over", rules.dualApprovalOver),
        ] {
            guard let value else { continue }
            check(!value.isNaN && value >= 0, "config.amount-not-finite", "\(path): \(`where`).\(name) accepted as \(value) (issue 15 §1)")
        }
        if let approve = rules.approveOver, let escalate = rules.escalateOver, !approve.isNaN, !escalate.isNaN {
            check(escalate >= approve, "config.amount-order", "\(path): \(`where`).escalate_over below approve_over")
        }
    }
    amounts(policy.amounts, "amounts")
    for (code, rules) in policy.amounts.otherCurrencies {
        check(code.utf8.count == 3 && code.utf8.allSatisfy { $0 &- 0x41 < 26 }, "config.currency", "\(path): currency key \(code)")
        amounts(rules, "amounts.other_currencies.\(code)")
    }
    check(policy.currency.utf8.count == 3 && policy.currency.utf8.allSatisfy { $0 &- 0x41 < 26 }, "config.currency", "\(path): currency")
    if let ratio = policy.sanity.maxReferenceRatio {
        check(!ratio.isNaN && ratio > 0, "config.amount-not-finite", "\(path): sanity.max_reference_ratio accepted as \(ratio)")
    }
    let approvals = policy.approvals
    check(
        approvals.timeout.isFinite && approvals.timeout > 0 && approvals.maxTimeout.isFinite && approvals.timeout <= approvals.maxTimeout,
        "config.duration", "\(path): approvals.timeout \(approvals.timeout), max_timeout \(approvals.maxTimeout)")
    check(!approvals.fallback.trimmingCharacters(in: .whitespaces).isEmpty, "config.fallback", "\(path): empty approvals.fallback")
    let escalation = policy.escalation
    if let window = escalation.approvalsPerSubject {
        check(window.max >= 1 && window.within.isFinite && window.within > 0, "config.duration", "\(path): approvals_per_subject")
    }
    if let streak = escalation.lowConfidenceStreak {
        check(
            streak.count >= 1 && streak.within.isFinite && streak.within > 0 && (0...1).contains(streak.below), "config.duration",
            "\(path): low_confidence_streak")
    }
    if let count = escalation.consecutiveRejections { check(count >= 1, "config.count", "\(path): consecutive_rejections \(count)") }
    for phrase in escalation.humanRequestPhrases + escalation.legalPhrases {
        check(!phrase.trimmingCharacters(in: .whitespaces).isEmpty, "config.phrase", "\(path): an empty phrase")
    }
    return violations
}

/// What an accepted server configuration must satisfy.
func serverRules(_ configuration: ServerConfiguration) -> [InvariantViolation] {
    var violations = policyRules(configuration.policy, "policy")
    func check(_ ok: Bool, _ invariant: String, _ detail: @autoclosure () -> String) {
        if !ok { violations.append(.init(invariant, detail())) }
    }
    check((0...65535).contains(configuration.http.port), "config.port", "http.port \(configuration.http.port)")
    check(Set(configuration.agents.map(\.name)).count == configuration.agents.count, "config.duplicate-name", "two agents share a name")
    check(Set(configuration.approvers.map(\.name)).count == configuration.approvers.count, "config.duplicate-name", "two approvers share a name")
    let secrets = configuration.agents.map(\.key) + configuration.approvers.map(\.token)
    check(Set(secrets).count == secrets.count, "config.shared-secret", "two credentials share a secret")
    check(secrets.allSatisfy { $0.revealedBytes.count >= 16 }, "config.short-secret", "a secret shorter than 16 bytes was accepted")
    for approver in configuration.approvers {
        for (currency, limit) in approver.rights.maxAmount?.byCurrency ?? [:] {
            check(!limit.isNaN && limit >= 0, "config.amount-not-finite", "may_approve.max_amount accepted as \(limit) \(currency) (issue 15 §1)")
        }
    }
    let waits = configuration.databaseWaits
    check(
        waits.leaseTimeout.isFinite && waits.leaseTimeout > 0 && waits.answerTimeout.isFinite && waits.answerTimeout > 0, "config.duration",
        "database waits \(waits.leaseTimeout), \(waits.answerTimeout)")
    return violations
}
