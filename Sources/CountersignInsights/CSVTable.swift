/// CSV rows (RFC 4180): a header names the columns; fields may be quoted, with `""` for a quote
/// inside. A quoted field may not span lines (the row is refused with its line number).
struct CSVTable {
    /// The column names of the header, trimmed.
    let columns: [String]
    private let index: [String: Int]

    init(header: UnsafeBufferPointer<UInt8>) throws(HistoryRowError) {
        var names = try Self.fields(header).map { $0.trimmingCharacters() }
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
        columns = names
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }

    /// The position of a column, if the header names it.
    func position(of column: String) -> Int? { index[column] }

    /// The fields of one row; refuses a row whose field count differs from the header's.
    func row(_ bytes: UnsafeBufferPointer<UInt8>) throws(HistoryRowError) -> [String] {
        let fields = try Self.fields(bytes)
        guard fields.count == columns.count else {
            throw HistoryRowError("expected \(columns.count) fields as in the header, found \(fields.count)")
        }
        return fields
    }

    static func fields(_ bytes: UnsafeBufferPointer<UInt8>) throws(HistoryRowError) -> [String] {
        var fields: [String] = []
        var position = 0
        let count = bytes.count
        while true {
            if position < count, bytes[position] == UInt8(ascii: "\"") {
                var field: [UInt8] = []
                position += 1
                var closed = false
                while position < count {
                    let byte = bytes[position]
                    if byte == UInt8(ascii: "\"") {
                        if position + 1 < count, bytes[position + 1] == UInt8(ascii: "\"") {
                            field.append(byte)
                            position += 2
                            continue
                        }
                        position += 1
                        closed = true
                        break
                    }
                    field.append(byte)
                    position += 1
                }
                guard closed else { throw HistoryRowError("unterminated quoted field (fields may not span lines)") }
                fields.append(String(decoding: field, as: UTF8.self))
                guard position == count || bytes[position] == UInt8(ascii: ",") else {
                    throw HistoryRowError("unexpected text after a quoted field")
                }
            } else {
                let start = position
                while position < count, bytes[position] != UInt8(ascii: ",") { position += 1 }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
            }
            if position >= count { return fields }
            position += 1  // the comma
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingCharacters() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}

extension HistoryDecision {
    /// Reads one CSV row with the columns `operation`, `confidence`, `approved` and optionally `outcome`.
    static func decode(csv fields: [String], columns: HistoryColumns) throws(HistoryRowError) -> HistoryDecision {
        let operation = fields[columns.operation].trimmingCharacters()
        guard let confidence = Double(fields[columns.confidence].trimmingCharacters()), (0...1).contains(confidence) else {
            throw HistoryRowError("confidence must be a number between 0 and 1")
        }
        guard let approved = Self.flag(fields[columns.approved]) else { throw HistoryRowError("approved must be true or false") }
        var outcome: HistoryOutcome?
        if let position = columns.outcome {
            let text = fields[position].trimmingCharacters()
            if !text.isEmpty {
                guard let value = HistoryOutcome(rawValue: text) else { throw HistoryRowError("outcome must be succeeded, failed or erroneous") }
                outcome = value
            }
        }
        return try validated(operation: operation, confidence: confidence, approved: approved, outcome: outcome)
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no`, any case.
    static func flag(_ text: String) -> Bool? {
        switch text.trimmingCharacters().lowercased() {
        case "true", "1", "yes": true
        case "false", "0", "no": false
        default: nil
        }
    }
}

/// Where calibration's columns are in a CSV history.
struct HistoryColumns {
    var operation: Int
    var confidence: Int
    var approved: Int
    var outcome: Int?

    init(_ table: CSVTable) throws(HistoryRowError) {
        guard let operation = table.position(of: "operation"), let confidence = table.position(of: "confidence"),
            let approved = table.position(of: "approved")
        else {
            throw HistoryRowError(
                "the CSV header must name the columns operation, confidence and approved; it names \(table.columns.joined(separator: ", "))")
        }
        self.operation = operation
        self.confidence = confidence
        self.approved = approved
        outcome = table.position(of: "outcome")
    }
}
