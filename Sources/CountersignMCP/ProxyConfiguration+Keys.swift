import Foundation
import Yams

extension ProxyConfiguration {
    /// The members each part of the file may have.
    private static let allowedKeys: [String: Set<String>] = [
        "": ["gateway", "upstream", "default_confidence", "fallback", "read_only_operation", "tools", "wait", "unreachable", "state_file"],
        "gateway": ["url", "agent", "key_env"],
        "upstream": ["name", "trusted"],
        "wait": ["timeout", "timeout_with_progress", "progress_interval", "approval_timeout"],
        "unreachable": ["forward"],
        "tools.*": ["operation", "confidence", "amount", "currency", "subject", "fallback"],
    ]

    /// Refuses unknown members, naming each with its line and column (a typo must not silently
    /// turn a rule off).
    static func checkKeys(_ text: String, path: String) throws {
        guard let root = try? Yams.compose(yaml: text) else { return }  // the decoder reports syntax errors
        var problems: [String] = []
        func check(_ node: Node, _ section: String) {
            guard let mapping = node.mapping else { return }
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                let allowed = allowedKeys[section] ?? []
                if !allowed.contains(name) {
                    let line = key.mark.map { "\($0.line):\($0.column): " } ?? ""
                    let expected = allowed.sorted().joined(separator: ", ")
                    problems.append("\(path):\(line)unknown key \(section.isEmpty ? "" : section + ".")\(name) (expected one of: \(expected))")
                    continue
                }
                switch (section, name) {
                case ("", "tools"):
                    if let rules = value.mapping { for (_, rule) in rules { check(rule, "tools.*") } }
                case ("", let nested) where allowedKeys[nested] != nil:
                    check(value, nested)
                default:
                    break
                }
            }
        }
        check(root, "")
        if !problems.isEmpty { throw ProxyConfigurationError(description: problems.joined(separator: "\n")) }
    }
}
