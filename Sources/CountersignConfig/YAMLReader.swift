import CountersignCore
import Foundation
import Yams

/// Walks a composed YAML document and reads typed values from it, collecting every problem with
/// its line and column instead of stopping at the first.
struct YAMLReader {
    let file: String
    private(set) var issues: [ConfigIssue] = []

    init(file: String) { self.file = file }

    /// Composes `text`, or records the syntax error where libyaml found it.
    mutating func compose(_ text: String) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let prefix = context.map { "\($0.text) " } ?? ""
                record(mark, "invalid YAML: \(prefix)\(problem)")
            case .reader(let problem, let offset, _, _):
                // libyaml's reader names a byte offset, not a line: count it out of the text.
                let (line, column) = offset.map { Self.position(ofByte: $0, in: text) } ?? (0, 0)
                issues.append(ConfigIssue(file: file, line: line, column: column, message: "invalid YAML: \(problem)"))
            case .duplicatedKeysInMapping(let duplicates, let context):
                let names = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
                record(context.mark, "duplicate key \(names): each key may appear once in a mapping")
            default:
                record(nil, "invalid YAML: \(error)")
            }
            return nil
        } catch {
            record(nil, "invalid YAML: \(error)")
            return nil
        }
    }

    /// The line and column (both from 1, the column in scalars) of the byte at `offset` in `text`'s UTF-8.
    static func position(ofByte offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var consumed = 0
        for scalar in text.unicodeScalars {
            if consumed >= offset { break }
            consumed += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    mutating func record(_ mark: Mark?, _ message: String) {
        issues.append(ConfigIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message))
    }

    mutating func record(_ node: Node, _ message: String) { record(node.mark, message) }

    mutating func replaceIssues(with issues: [ConfigIssue]) { self.issues = issues }

    /// The members of a mapping, refusing keys outside `allowed` and duplicates. `nil` (with an
    /// issue) when `node` is not a mapping.
    mutating func mapping(_ node: Node, _ path: String, allowed: [String]? = nil) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            record(node, "\(path) must be a mapping")
            return nil
        }
        var seen: Set<String> = []
        var members: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                record(keyNode, "\(path) keys must be plain names")
                continue
            }
            if !seen.insert(key).inserted {
                record(keyNode, "duplicate key '\(key)' in \(path)")
                continue
            }
            if let allowed, !allowed.contains(key) {
                record(keyNode, "unknown key '\(key)' in \(path); expected one of: \(allowed.joined(separator: ", "))")
                continue
            }
            members.append((key, keyNode, value))
        }
        return members
    }

    /// Whether the node is YAML's null (`~`, `null`, or empty).
    func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard let scalar = node.scalar, !isNull(node) else {
            record(node, "\(path) must be a string")
            return nil
        }
        return scalar.string
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        guard node.scalar != nil, let value = node.bool else {
            record(node, "\(path) must be true or false")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, _ path: String, minimum: Int) -> Int? {
        guard let scalar = node.scalar, let value = Int(scalar.string), value >= minimum else {
            record(node, "\(path) must be a whole number of at least \(minimum)")
            return nil
        }
        return value
    }

    mutating func probability(_ node: Node, _ path: String) -> Double? {
        guard let scalar = node.scalar, let value = Double(scalar.string), (0...1).contains(value) else {
            record(node, "\(path) must be a number between 0 and 1")
            return nil
        }
        return value
    }

    /// An amount (`10000`, `10_000`, `2400.50`), exact and within ``Money``'s bounds.
    mutating func decimal(_ node: Node, _ path: String) -> Decimal? {
        let text = node.scalar?.string.replacingOccurrences(of: "_", with: "") ?? ""
        guard node.scalar != nil, !text.isEmpty else {
            record(node, "\(path) must be a number")
            return nil
        }
        do {
            return try Money.parse(text).decimal
        } catch .negative {
            record(node, "\(path) must not be negative")
            return nil
        } catch {
            record(
                node,
                "\(path) must be a number from 0 to 999999999999999999.999999999999999999 (at most \(Money.maximumIntegerDigits) digits before the point and \(Money.maximumFractionDigits) after)"
            )
            return nil
        }
    }

    mutating func duration(_ node: Node, _ path: String) -> TimeInterval? {
        guard let scalar = node.scalar, let seconds = DurationText.seconds(scalar.string), seconds > 0 else {
            record(node, "\(path) must be a duration such as 90s, 30m, 24h or 7d")
            return nil
        }
        return seconds
    }

    mutating func sequence(_ node: Node, _ path: String) -> [Node]? {
        guard let sequence = node.sequence else {
            record(node, "\(path) must be a list")
            return nil
        }
        return Array(sequence)
    }
}
