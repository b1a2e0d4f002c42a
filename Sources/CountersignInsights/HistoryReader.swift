import CountersignCore

/// Reads a history file (CONTRACT §5): JSON lines of proposals plus `"approved": true|false` and an
/// optional `"outcome"`, or CSV with a header naming the same fields. The format is recognised from
/// the first non-blank line (`{` starts JSON lines; anything else is a CSV header). Blank lines are
/// skipped; a bad row is counted and reported with its line number, and the rest go on.
public struct HistoryReader {
    public enum Format: String, Sendable {
        case jsonLines = "json lines"
        case csv = "CSV"
    }

    public let fileDescriptor: Int32
    /// How many problems are kept with their line numbers; all are counted in `badRows`.
    public var keptProblems: Int
    /// Called now and then with the number of bytes read so far.
    public var progress: ((Int) -> Void)?
    public private(set) var problems: [HistoryProblem] = []
    public private(set) var badRows = 0
    /// The format, once the first non-blank line has been seen.
    public private(set) var format: Format?

    public init(fileDescriptor: Int32, keptProblems: Int = 100) {
        self.fileDescriptor = fileDescriptor
        self.keptProblems = keptProblems
    }

    /// Calls `body` with every good row as calibration sees it.
    public mutating func forEachDecision(_ body: (HistoryDecision) throws -> Void) throws {
        try forEachDecisionFast { operation, confidence, approved, outcome in
            try body(
                HistoryDecision(
                    operation: String(decoding: operation, as: UTF8.self), confidence: confidence, approved: approved, outcome: outcome))
        }
    }

    /// Like `forEachDecision`, with the operation as the row's own bytes (valid during the call):
    /// common JSON rows are read without allocating; any other row goes through the strict reader.
    public mutating func forEachDecisionFast(
        _ body: (_ operation: UnsafeBufferPointer<UInt8>, _ confidence: Double, _ approved: Bool, _ outcome: HistoryOutcome?) throws -> Void
    ) throws {
        var columns: HistoryColumns?
        func pass(_ decision: HistoryDecision) throws {
            var operation = decision.operation
            try operation.withUTF8 { try body($0, decision.confidence, decision.approved, decision.outcome) }
        }
        try forEachRow { row, line in
            switch row {
            case .json(let bytes):
                if let found = HistoryLineScanner.scan(bytes) {
                    try body(
                        UnsafeBufferPointer(rebasing: bytes[found.operationStart..<found.operationEnd]), found.confidence, found.approved,
                        found.outcome)
                } else {
                    try pass(HistoryDecision.decode(json: bytes))
                }
            case .csvHeader(let table): columns = try HistoryColumns(table)
            case .csv(let fields): try pass(HistoryDecision.decode(csv: fields, columns: columns!))
            }
        }
    }

    /// Calls `body` with every good row as replay sees it: the proposal (validated as in `evaluate`),
    /// what the human decided (`nil` when the row does not say) and the outcome, and the line number.
    public mutating func forEachProposal(_ body: (Proposal, HistoryLabel, Int) throws -> Void) throws {
        var table: CSVTable?
        try forEachRow { row, line in
            switch row {
            case .json(let bytes):
                let proposal: Proposal
                do {
                    proposal = try Proposal.decode(json: bytes)
                } catch let error as ProposalError {
                    throw HistoryRowError(error.message)
                }
                try body(proposal, HistoryLabel.decode(json: bytes), line)
            case .csvHeader(let header):
                for column in ["agent", "operation", "confidence", "action"] where header.position(of: column) == nil {
                    throw HistoryRowError("the CSV header must name the columns agent, operation, confidence and action; it lacks \(column)")
                }
                table = header
            case .csv(let fields):
                let (proposal, label) = try HistoryLabel.decode(csv: fields, table: table!)
                try body(proposal, label, line)
            }
        }
    }

    enum Row {
        case json(UnsafeBufferPointer<UInt8>)
        case csvHeader(CSVTable)
        case csv([String])
    }

    /// Splits the input into rows; a problem with the CSV header is fatal, any other is counted.
    private mutating func forEachRow(_ body: (Row, Int) throws -> Void) throws {
        var consumed = 0
        var nextReport = 1 << 24
        var csv: CSVTable?
        var failure: Error?
        try LineReader(fileDescriptor: fileDescriptor).forEachLine { line, number in
            guard failure == nil else { return }
            guard case .bytes(let bytes) = line else {
                consumed += 1 << 20
                record(HistoryProblem(line: number, message: "line is longer than 1 MiB"))
                return
            }
            consumed += bytes.count + 1
            if consumed >= nextReport, let progress {
                progress(consumed)
                nextReport = consumed + (1 << 24)
            }
            guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            // Every format reads text: a line that is not UTF-8 is that line's error, never decoded with U+FFFD.
            guard UTF8Validation.isValid(bytes) else {
                record(HistoryProblem(line: number, message: "line is not valid UTF-8"))
                return
            }
            do {
                if let csv {
                    try body(.csv(try csv.row(bytes)), number)
                } else if format == nil, first != UInt8(ascii: "{") {
                    format = .csv
                    let table: CSVTable
                    do {
                        table = try CSVTable(header: bytes)
                        try body(.csvHeader(table), number)
                    } catch let error as HistoryRowError {
                        failure = HistoryFileError(message: "line \(number): \(error.message)")
                        return
                    }
                    csv = table
                } else {
                    format = .jsonLines
                    try body(.json(bytes), number)
                }
            } catch let error as HistoryRowError {
                record(HistoryProblem(line: number, message: error.message))
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        progress?(consumed)
    }

    private mutating func record(_ problem: HistoryProblem) {
        badRows += 1
        if problems.count < keptProblems { problems.append(problem) }
    }
}

/// A history file that cannot be read at all (a CSV header without the needed columns).
public struct HistoryFileError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// What a human decided about a past proposal, and what happened, as replay sees it.
public struct HistoryLabel: Sendable, Hashable {
    /// `nil` when the row does not say (the proposal was never put to a human).
    public var approved: Bool?
    public var outcome: HistoryOutcome?

    public init(approved: Bool?, outcome: HistoryOutcome? = nil) {
        self.approved = approved
        self.outcome = outcome
    }

    static func decode(json bytes: UnsafeBufferPointer<UInt8>) throws(HistoryRowError) -> HistoryLabel {
        var reader = JSONReader(bytes)
        var label = HistoryLabel(approved: nil)
        do {
            try reader.beginObject()
            var first = true
            while let key = try reader.nextMember(first: first) {
                first = false
                switch key {
                case "approved":
                    if try reader.readNull() { continue }
                    guard let value = try? reader.readBool() else { throw HistoryRowError("approved must be true or false") }
                    label.approved = value
                case "outcome":
                    if try reader.readNull() { continue }
                    guard reader.peek() == UInt8(ascii: "\""), let value = HistoryOutcome(rawValue: try reader.readString()) else {
                        throw HistoryRowError("outcome must be succeeded, failed or erroneous")
                    }
                    label.outcome = value
                default: try reader.skipValue()
                }
            }
        } catch let error as HistoryRowError {
            throw error
        } catch {
            throw HistoryRowError("invalid JSON: \(error)")
        }
        return label
    }

    /// The proposal columns of CONTRACT §3 that fit in a CSV cell; `messages` and `context` do not.
    static let textColumns = [
        "idempotency_key", "agent", "operation", "action", "currency", "subject", "reasoning", "impact", "fallback", "at",
    ]

    /// Builds the proposal's JSON from the row and decodes it like any other, so the same checks apply.
    static func decode(csv fields: [String], table: CSVTable) throws(HistoryRowError) -> (Proposal, HistoryLabel) {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{")
        var first = true
        func member(_ name: String) {
            if !first { writer.raw(",") }
            first = false
            writer.string(name)
            writer.raw(":")
        }
        for column in textColumns {
            guard let position = table.position(of: column) else { continue }
            let text = fields[position].trimmingCharacters()
            if text.isEmpty { continue }
            member(column)
            writer.string(text)
        }
        for column in ["amount", "reference_amount", "timeout"] {
            guard let position = table.position(of: column) else { continue }
            let text = fields[position].trimmingCharacters()
            if text.isEmpty { continue }
            member(column)
            if column == "timeout", let seconds = Double(text) { writer.double(seconds) } else { writer.string(text) }
        }
        if let position = table.position(of: "confidence") {
            let text = fields[position].trimmingCharacters()
            guard let confidence = Double(text), confidence.isFinite else { throw HistoryRowError("confidence must be a number between 0 and 1") }
            member("confidence")
            writer.double(confidence)
        }
        writer.raw("}")
        let proposal: Proposal
        do {
            proposal = try Proposal.decode(json: writer.bytes)
        } catch {
            throw HistoryRowError(error.message)
        }
        var label = HistoryLabel(approved: nil)
        if let position = table.position(of: "approved") {
            let text = fields[position].trimmingCharacters()
            if !text.isEmpty {
                guard let value = HistoryDecision.flag(text) else { throw HistoryRowError("approved must be true or false") }
                label.approved = value
            }
        }
        if let position = table.position(of: "outcome") {
            let text = fields[position].trimmingCharacters()
            if !text.isEmpty {
                guard let value = HistoryOutcome(rawValue: text) else { throw HistoryRowError("outcome must be succeeded, failed or erroneous") }
                label.outcome = value
            }
        }
        return (proposal, label)
    }
}
