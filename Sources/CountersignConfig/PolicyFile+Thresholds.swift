import CountersignCore
import Foundation

extension PolicyFile {
    /// The section of a policy file that carries calibrated thresholds.
    public enum ThresholdSection: String, Sendable {
        case operations
        case riskClasses = "risk_classes"
    }

    /// A policy file that is `base` (the text of the file the thresholds were calibrated against,
    /// or `nil` for the built-in default) with its `section` rewritten from `policy`, under a comment
    /// block. Everything else in `base`, comments included, is kept as written. The result is read
    /// back and checked: it is a valid policy file whose section equals `policy`'s.
    public static func text(
        replacing section: ThresholdSection, in base: String?, with policy: Policy, comment: [String], file: String = "policy"
    ) throws(ConfigError) -> String {
        var lines = (base ?? "version: 1\n").components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        let rendered = render(section, of: policy)
        if let start = lines.firstIndex(where: { isTopLevelKey(section.rawValue, $0) }) {
            var end = start + 1
            while end < lines.count, lines[end].isEmpty || lines[end].first == " " || lines[end].first == "\t" { end += 1 }
            while end > start + 1, lines[end - 1].trimmingCharacters(in: .whitespaces).isEmpty { end -= 1 }
            lines.replaceSubrange(start..<end, with: rendered)
        } else {
            lines += rendered
        }
        let header = comment.map { $0.isEmpty ? "#" : "# " + $0 }
        let text = (header + lines).joined(separator: "\n") + "\n"
        let parsed = try parse(yaml: text, file: file)
        let same = section == .operations ? parsed.operations == policy.operations : parsed.riskClasses == policy.riskClasses
        guard same else {
            throw ConfigError(issues: [
                ConfigIssue(file: file, line: 0, column: 0, message: "the \(section.rawValue) section could not be rewritten in this file's layout")
            ])
        }
        return text
    }

    static func render(_ section: ThresholdSection, of policy: Policy) -> [String] {
        var lines = [section.rawValue + ":"]
        switch section {
        case .operations:
            for (name, rule) in policy.operations.sorted(by: { $0.key < $1.key }) {
                let shadow = rule.shadow ? ", shadow: true" : ""
                if let thresholds = rule.thresholds {
                    lines.append("  \(quoted(name)): {class: \(quoted(rule.riskClass)), \(flow(thresholds))\(shadow)}")
                } else if rule.shadow {
                    lines.append("  \(quoted(name)): {class: \(quoted(rule.riskClass))\(shadow)}")
                } else {
                    lines.append("  \(quoted(name)): \(quoted(rule.riskClass))")
                }
            }
        case .riskClasses:
            for (name, thresholds) in policy.riskClasses.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(quoted(name)): {\(flow(thresholds))}")
            }
        }
        if lines.count == 1 { lines[0] += " {}" }
        return lines
    }

    private static func flow(_ thresholds: Thresholds) -> String {
        "auto: \(thresholds.auto), notify: \(thresholds.notify), approve: \(thresholds.approve)"
    }

    /// A YAML double-quoted scalar.
    private static func quoted(_ text: String) -> String {
        var writer = JSONWriter(capacity: text.utf8.count + 2)
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private static func isTopLevelKey(_ key: String, _ line: String) -> Bool {
        for spelling in [key, "\"\(key)\"", "'\(key)'"] where line.hasPrefix(spelling) {
            let rest = line.dropFirst(spelling.count).drop { $0 == " " || $0 == "\t" }
            if rest.first == ":" { return true }
        }
        return false
    }
}
