import Foundation

/// A strict RFC 8259 reader over UTF-8 bytes, built for speed on small documents: strings without
/// escapes are decoded in one copy, numbers are validated and kept as text, nesting is bounded.
///
/// Callers walk objects member by member (`nextMember`) and read what they expect, so a typed
/// decoder never builds an intermediate tree.
public struct JSONReader {
    /// The deepest nesting accepted; deeper input is refused rather than risking the stack.
    public static let maximumDepth = 64

    let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    public private(set) var offset = 0
    private var depth = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    // MARK: Structure

    /// Skips whitespace and tells whether input remains.
    public mutating func atEnd() -> Bool {
        skipWhitespace()
        return offset >= bytes.count
    }

    /// The next non-whitespace byte, without consuming it.
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return offset < bytes.count ? bytes[offset] : nil
    }

    /// Consumes `{`.
    public mutating func beginObject() throws(JSONError) {
        try expect(UInt8(ascii: "{"), "expected an object")
        try enter()
    }

    /// The next member's key, or `nil` at the object's closing `}` (consumed).
    /// `first` is true for the first call after `beginObject`.
    public mutating func nextMember(first: Bool) throws(JSONError) -> String? {
        skipWhitespace()
        if peekByte == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return nil
        }
        if !first { try expect(UInt8(ascii: ","), "expected ',' or '}'") }
        skipWhitespace()
        guard peekByte == UInt8(ascii: "\"") else { throw JSONError("expected a member name in quotes", at: offset) }
        let key = try readString()
        try expect(UInt8(ascii: ":"), "expected ':' after a member name")
        return key
    }

    /// Consumes `[`.
    public mutating func beginArray() throws(JSONError) {
        try expect(UInt8(ascii: "["), "expected an array")
        try enter()
    }

    /// Whether another element follows (consuming the `,`), or `false` at the closing `]` (consumed).
    public mutating func nextElement(first: Bool) throws(JSONError) -> Bool {
        skipWhitespace()
        if peekByte == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return false
        }
        if !first { try expect(UInt8(ascii: ","), "expected ',' or ']'") }
        return true
    }

    // MARK: Scalars

    /// Reads `null`, returning true, or returns false without consuming anything.
    public mutating func readNull() throws(JSONError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Reads a string value.
    public mutating func readString() throws(JSONError) -> String {
        skipWhitespace()
        guard peekByte == UInt8(ascii: "\"") else { throw JSONError("expected a string", at: offset) }
        offset += 1
        let start = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self) else {
                    throw JSONError("invalid UTF-8 in a string", at: Self.firstInvalidUTF8(bytes, from: start))
                }
                offset += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            if byte < 0x20 { throw JSONError("control character in a string", at: offset) }
            offset += 1
        }
        throw JSONError("unterminated string", at: start - 1)
    }

    /// Reads a number value and returns its text, validated against JSON's number grammar.
    public mutating func readNumberText() throws(JSONError) -> String {
        let range = try readNumberRange()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Reads a number value as a `Double`.
    public mutating func readDouble() throws(JSONError) -> Double {
        skipWhitespace()
        let start = offset
        let range = try readNumberRange()
        guard let value = NumberParser.double(UnsafeBufferPointer(rebasing: bytes[range])), value.isFinite else {
            throw JSONError("number out of range", at: start)
        }
        return value
    }

    /// Reads a number value as a `Double`, or `nil` when it is well-formed but too large for one
    /// (`1e999`); malformed number text throws.
    public mutating func readFiniteDouble() throws(JSONError) -> Double? {
        let range = try readNumberRange()
        guard let value = NumberParser.double(UnsafeBufferPointer(rebasing: bytes[range])), value.isFinite else { return nil }
        return value
    }

    /// Reads a number value as an exact `Decimal`.
    public mutating func readDecimal() throws(JSONError) -> Decimal {
        skipWhitespace()
        let start = offset
        let range = try readNumberRange()
        guard let value = NumberParser.decimal(UnsafeBufferPointer(rebasing: bytes[range])), !value.isNaN else {
            throw JSONError("number out of range", at: start)
        }
        return value
    }

    /// Reads a number value as ``Money``: a JSON error when it is not a number, a refusal when it
    /// is one outside the bounds (or negative).
    public mutating func readMoney() throws -> Money {
        let range = try readNumberRange()
        return try Money.parse(UnsafeBufferPointer(rebasing: bytes[range]))
    }

    /// Reads `true` or `false`.
    public mutating func readBool() throws(JSONError) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw JSONError("expected true or false", at: offset)
        }
    }

    /// Reads any value into a tree.
    public mutating func readValue() throws(JSONError) -> JSONValue {
        switch peek() {
        case UInt8(ascii: "{"):
            try beginObject()
            var members: [JSONMember] = []
            var first = true
            while let key = try nextMember(first: first) {
                first = false
                members.append(JSONMember(key, try readValue()))
            }
            return .object(members)
        case UInt8(ascii: "["):
            try beginArray()
            var items: [JSONValue] = []
            var first = true
            while try nextElement(first: first) {
                first = false
                items.append(try readValue())
            }
            return .array(items)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool(try readBool())
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case .some(let byte) where byte == UInt8(ascii: "-") || ASCII.isDigit(byte): return .number(try readNumberText())
        case .some: throw JSONError("expected a value", at: offset)
        case .none: throw JSONError("unexpected end of input", at: offset)
        }
    }

    /// Skips one value of any kind.
    public mutating func skipValue() throws(JSONError) {
        _ = try readValue()
    }

    // MARK: Internals

    private var peekByte: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipWhitespace() {
        while offset < bytes.count, ASCII.isSpace(bytes[offset]) { offset += 1 }
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        if depth > Self.maximumDepth { throw JSONError("nesting deeper than \(Self.maximumDepth) levels", at: offset - 1) }
    }

    private mutating func expect(_ byte: UInt8, _ message: @autoclosure () -> String) throws(JSONError) {
        skipWhitespace()
        guard peekByte == byte else {
            throw JSONError(offset < bytes.count ? message() : "unexpected end of input", at: offset)
        }
        offset += 1
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let start = offset
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count,
            memcmp(bytes.baseAddress! + offset, word.utf8Start, count) == 0
        else { throw JSONError("invalid literal", at: start) }
        offset += count
    }

    private mutating func readNumberRange() throws(JSONError) -> Range<Int> {
        skipWhitespace()
        let start = offset
        if peekByte == UInt8(ascii: "-") { offset += 1 }
        guard let first = peekByte, ASCII.isDigit(first) else { throw JSONError("expected a number", at: start) }
        offset += 1
        if first != UInt8(ascii: "0") {
            while let byte = peekByte, ASCII.isDigit(byte) { offset += 1 }
        }
        if peekByte == UInt8(ascii: ".") {
            offset += 1
            guard let byte = peekByte, ASCII.isDigit(byte) else { throw JSONError("expected a digit after '.'", at: offset) }
            while let byte = peekByte, ASCII.isDigit(byte) { offset += 1 }
        }
        if peekByte == UInt8(ascii: "e") || peekByte == UInt8(ascii: "E") {
            offset += 1
            if peekByte == UInt8(ascii: "+") || peekByte == UInt8(ascii: "-") { offset += 1 }
            guard let byte = peekByte, ASCII.isDigit(byte) else { throw JSONError("expected an exponent", at: offset) }
            while let byte = peekByte, ASCII.isDigit(byte) { offset += 1 }
        }
        if let byte = peekByte, ASCII.isAlphanumeric(byte) || byte == UInt8(ascii: ".") {
            throw JSONError("invalid number", at: start)
        }
        return start..<offset
    }

    private mutating func readEscapedString(from start: Int) throws(JSONError) -> String {
        var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<offset]))
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: scalars, as: UTF8.self) else {
                    throw JSONError("invalid UTF-8 in a string", at: Self.firstInvalidUTF8(bytes, from: start))
                }
                offset += 1
                return text
            case UInt8(ascii: "\\"):
                offset += 1
                guard let escaped = peekByte else { break }
                offset += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    // A surrogate must come as a high-low pair; alone it names no character, and
                    // is refused rather than replaced with U+FFFD.
                    let escapeStart = offset - 2
                    var code = try readHex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                            throw JSONError("a \\u escape names a lone surrogate", at: escapeStart)
                        }
                        offset += 2
                        let low = try readHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw JSONError("a \\u escape names a lone surrogate", at: escapeStart) }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw JSONError("a \\u escape names a lone surrogate", at: escapeStart) }
                    scalars.append(contentsOf: UTF8.encode(scalar)!)
                default: throw JSONError("invalid escape", at: offset - 2)
                }
            default:
                if byte < 0x20 { throw JSONError("control character in a string", at: offset) }
                scalars.append(byte)
                offset += 1
            }
        }
        throw JSONError("unterminated string", at: start - 1)
    }

    /// The offset of the first byte at or after `start` where `bytes` stop being valid UTF-8.
    private static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            let lead = bytes[index]
            let length =
                switch lead {
                case 0x00..<0x80: 1
                case 0xC2..<0xE0: 2
                case 0xE0..<0xF0: 3
                case 0xF0..<0xF5: 4
                default: 0
                }
            guard length > 0, index + length <= bytes.count,
                String(validating: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]), as: UTF8.self) != nil
            else { return index }
            index += length
        }
        return index
    }

    private mutating func readHex4() throws(JSONError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw JSONError("invalid \\u escape", at: offset) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
            default: throw JSONError("invalid \\u escape", at: offset)
            }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }
}
