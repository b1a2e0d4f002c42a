/// One problem in a configuration or policy file, located by file, line and column.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is not tied to a place in the file.
    public var line: Int
    public var column: Int
    /// What was wrong and what was expected.
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `policy.yaml:12:5: thresholds must satisfy auto >= notify >= approve …`
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// A configuration file was refused: every problem found, in file order.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
