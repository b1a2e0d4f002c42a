/// The hot path of `calibrate` on JSON lines: finds `operation`, `confidence`, `approved` and
/// `outcome` in one row without allocating, and skips everything else. It handles the common shape
/// only (no escapes in the member names or the operation, plain decimal confidence); for anything
/// else, or anything wrong, it answers `nil` and the strict reader (`HistoryDecision.decode`) takes
/// the row, so the result and every error message are the strict reader's.
struct HistoryLineScanner {
    /// Where the operation's text is in the row, and the other three values.
    struct Found {
        var operationStart: Int
        var operationEnd: Int
        var confidence: Double
        var approved: Bool
        var outcome: HistoryOutcome?
    }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Found? {
        var scanner = HistoryLineScanner(bytes: bytes)
        return scanner.row()
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    private mutating func row() -> Found? {
        var operation: (Int, Int)?
        var confidence: Double?
        var approved: Bool?
        var outcome: HistoryOutcome?
        skipSpace()
        guard take(UInt8(ascii: "{")) else { return nil }
        skipSpace()
        if take(UInt8(ascii: "}")) { return nil }
        while true {
            skipSpace()
            guard let (keyStart, keyEnd) = plainString() else { return nil }
            skipSpace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            switch name(keyStart, keyEnd) {
            case .operation:
                guard let range = plainString(), range.1 > range.0 else { return nil }
                operation = range
            case .confidence:
                guard let value = decimal(), value >= 0, value <= 1 else { return nil }
                confidence = value
            case .approved:
                guard let value = boolean() else { return nil }
                approved = value
            case .outcome:
                if literal("null") {
                    outcome = nil
                } else {
                    guard let (start, end) = plainString(), let value = Self.outcome(bytes, start, end) else { return nil }
                    outcome = value
                }
            case .other:
                guard skipValue(depth: 0) else { return nil }
            }
            skipSpace()
            if take(UInt8(ascii: ",")) { continue }
            guard take(UInt8(ascii: "}")) else { return nil }
            break
        }
        skipSpace()
        guard position == bytes.count, let operation, let confidence, let approved else { return nil }
        return Found(operationStart: operation.0, operationEnd: operation.1, confidence: confidence, approved: approved, outcome: outcome)
    }

    private enum Name { case operation, confidence, approved, outcome, other }

    private func name(_ start: Int, _ end: Int) -> Name {
        func equals(_ word: StaticString) -> Bool {
            guard word.utf8CodeUnitCount == end - start else { return false }
            let pointer = word.utf8Start
            for offset in 0..<(end - start) where bytes[start + offset] != pointer[offset] { return false }
            return true
        }
        switch end - start {
        case 9: return equals("operation") ? .operation : .other
        case 10: return equals("confidence") ? .confidence : .other
        case 8: return equals("approved") ? .approved : .other
        case 7: return equals("outcome") ? .outcome : .other
        default: return .other
        }
    }

    private static func outcome(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> HistoryOutcome? {
        // succeeded / failed / erroneous: the length and first letter decide, the rest is checked.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        return HistoryOutcome(rawValue: text)
    }

    @inline(__always) private mutating func skipSpace() {
        while position < bytes.count {
            let byte = bytes[position]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
            position += 1
        }
    }

    @inline(__always) private mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// A string without escapes or control characters; the range of its content.
    private mutating func plainString() -> (Int, Int)? {
        guard take(Self.quote) else { return nil }
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == Self.quote {
                position += 1
                return (start, position - 1)
            }
            if byte == Self.backslash || byte < 0x20 { return nil }
            position += 1
        }
        return nil
    }

    /// Any string, escapes checked for their shape.
    private mutating func skipString() -> Bool {
        guard take(Self.quote) else { return false }
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == Self.quote { return true }
            if byte < 0x20 { return false }
            if byte == Self.backslash {
                guard position < bytes.count else { return false }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                    UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count else { return false }
                    for _ in 0..<4 {
                        guard Self.isHex(bytes[position]) else { return false }
                        position += 1
                    }
                default: return false
                }
            }
        }
        return false
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { return false }
        position += count
        return true
    }

    private mutating func boolean() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// A number in JSON's grammar, skipped.
    private mutating func skipNumber() -> Bool {
        let start = position
        _ = take(UInt8(ascii: "-"))
        let digitsStart = position
        while position < bytes.count, bytes[position] &- 0x30 < 10 { position += 1 }
        guard position > digitsStart, bytes[digitsStart] != 0x30 || position == digitsStart + 1 else { return false }
        if take(UInt8(ascii: ".")) {
            let fraction = position
            while position < bytes.count, bytes[position] &- 0x30 < 10 { position += 1 }
            guard position > fraction else { return false }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            let exponent = position
            while position < bytes.count, bytes[position] &- 0x30 < 10 { position += 1 }
            guard position > exponent else { return false }
        }
        return position > start
    }

    /// `0`, `1`, `0.9312`, `1.0`: digits, an optional fraction, at most 15 significant digits, no
    /// exponent. The value is exact integer ÷ exact power of ten, so correctly rounded (Clinger's fast path).
    private mutating func decimal() -> Double? {
        var significand: UInt64 = 0
        var digits = 0
        var scale = 0
        let start = position
        while position < bytes.count, bytes[position] &- 0x30 < 10 {
            significand = significand &* 10 &+ UInt64(bytes[position] &- 0x30)
            digits += 1
            position += 1
        }
        guard digits > 0, bytes[start] != 0x30 || digits == 1 else { return nil }
        if take(UInt8(ascii: ".")) {
            while position < bytes.count, bytes[position] &- 0x30 < 10 {
                significand = significand &* 10 &+ UInt64(bytes[position] &- 0x30)
                digits += 1
                scale += 1
                position += 1
            }
            guard scale > 0 else { return nil }
        }
        guard digits <= 15, position == bytes.count || bytes[position] | 0x20 != UInt8(ascii: "e") else { return nil }
        return Double(significand) / Self.powersOfTen[scale]
    }

    private static let powersOfTen: [Double] = (0...15).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < 64, position < bytes.count else { return false }
        switch bytes[position] {
        case Self.quote: return skipString()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "{"):
            position += 1
            skipSpace()
            if take(UInt8(ascii: "}")) { return true }
            while true {
                skipSpace()
                guard skipString() else { return false }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return false }
                skipSpace()
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}"))
            }
        case UInt8(ascii: "["):
            position += 1
            skipSpace()
            if take(UInt8(ascii: "]")) { return true }
            while true {
                skipSpace()
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]"))
            }
        default: return skipNumber()
        }
    }
}
