import CountersignCore

/// What happened after an executed action (CONTRACT §1).
public enum HistoryOutcome: String, Sendable, Hashable, CaseIterable {
    case succeeded
    case failed
    case erroneous
}

/// One past human decision as calibration sees it: the operation, the agent's stated confidence,
/// whether a human approved, and the outcome if one was reported.
public struct HistoryDecision: Sendable, Hashable {
    public var operation: String
    public var confidence: Double
    public var approved: Bool
    public var outcome: HistoryOutcome?

    public init(operation: String, confidence: Double, approved: Bool, outcome: HistoryOutcome? = nil) {
        self.operation = operation
        self.confidence = confidence
        self.approved = approved
        self.outcome = outcome
    }

    /// Whether the decision counts as "the action was right": a human approved it and its outcome,
    /// if reported, was not `erroneous` (an approved action that turned out wrong counts against the agent).
    public var isGood: Bool { approved && outcome != .erroneous }
}

/// Why one history row was skipped.
public struct HistoryProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line of the input.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

extension HistoryDecision {
    /// Reads the members calibration needs from one JSON-lines row and skips the rest: `operation`,
    /// `confidence` (0…1), `approved` (true or false) and `outcome` (optional).
    static func decode(json bytes: UnsafeBufferPointer<UInt8>) throws(HistoryRowError) -> HistoryDecision {
        var reader = JSONReader(bytes)
        var operation: String?
        var confidence: Double?
        var approved: Bool?
        var outcome: HistoryOutcome?
        do {
            guard reader.peek() == UInt8(ascii: "{") else { throw HistoryRowError("expected a JSON object") }
            try reader.beginObject()
            var first = true
            while let key = try reader.nextMember(first: first) {
                first = false
                switch key {
                case "operation":
                    guard reader.peek() == UInt8(ascii: "\"") else { throw HistoryRowError("operation must be a string") }
                    operation = try reader.readString()
                case "confidence":
                    guard let value = try? reader.readDouble(), (0...1).contains(value) else {
                        throw HistoryRowError("confidence must be a number between 0 and 1")
                    }
                    confidence = value
                case "approved":
                    guard let value = try? reader.readBool() else { throw HistoryRowError("approved must be true or false") }
                    approved = value
                case "outcome":
                    if try reader.readNull() { continue }
                    guard reader.peek() == UInt8(ascii: "\""), let value = HistoryOutcome(rawValue: try reader.readString()) else {
                        throw HistoryRowError("outcome must be succeeded, failed or erroneous")
                    }
                    outcome = value
                default: try reader.skipValue()
                }
            }
            guard reader.atEnd() else { throw HistoryRowError("unexpected data after the object") }
        } catch let error as JSONError {
            throw HistoryRowError("invalid JSON: \(error)")
        } catch let error as HistoryRowError {
            throw error
        } catch {
            throw HistoryRowError("\(error)")
        }
        return try HistoryDecision.validated(operation: operation, confidence: confidence, approved: approved, outcome: outcome)
    }

    static func validated(
        operation: String?, confidence: Double?, approved: Bool?, outcome: HistoryOutcome?
    ) throws(HistoryRowError)
        -> HistoryDecision
    {
        guard let operation, !operation.isEmpty else { throw HistoryRowError("operation is required") }
        guard let confidence else { throw HistoryRowError("confidence is required") }
        guard let approved else { throw HistoryRowError("approved is required (true or false)") }
        return HistoryDecision(operation: operation, confidence: confidence, approved: approved, outcome: outcome)
    }
}

/// A row-level problem, before its line number is attached.
struct HistoryRowError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
