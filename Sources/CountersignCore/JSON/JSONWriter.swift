import Foundation

/// Appends compact JSON to a byte buffer. The caller writes structure (`{`, `,`, `:`) with `raw`
/// and values with the typed methods; strings are escaped per RFC 8259.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Continues writing after `bytes`.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Appends ASCII structure as is.
    @inline(__always)
    public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `"key":`.
    @inline(__always)
    public mutating func key(_ key: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(key)
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// Appends `,` unless the value about to be written opens the current object or array (or a
    /// separator is already there).
    @inline(__always)
    public mutating func separate() {
        guard let last = bytes.last, last != UInt8(ascii: "{"), last != UInt8(ascii: "["), last != UInt8(ascii: ":"),
            last != UInt8(ascii: ",")
        else { return }
        bytes.append(UInt8(ascii: ","))
    }

    /// Appends `"key":` after a comma when one is needed: the start of an object member.
    public mutating func member(_ key: StaticString) {
        separate()
        self.key(key)
    }

    /// Appends the member `"key":"value"`, or `"key":null` for `nil`.
    public mutating func member(_ key: StaticString, _ value: String?) {
        member(key)
        if let value { string(value) } else { raw("null") }
    }

    /// Appends the member `"key":value` for an integer.
    public mutating func member(_ key: StaticString, _ value: Int) {
        member(key)
        integer(value)
    }

    /// Appends the member `"key":"<RFC 3339>"`, or `null`.
    public mutating func member(_ key: StaticString, date: Date?) {
        member(key, date.map(Timestamp.format))
    }

    /// Appends a quoted, escaped string.
    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        text.withUTF8Bytes { source in
            var runStart = 0
            for index in 0..<source.count {
                let byte = source[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends an integer.
    public mutating func integer(_ value: Int) {
        if value >= 0, value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// Appends a finite double in its shortest round-trip form (non-finite values become `null`).
    public mutating func double(_ value: Double) {
        guard value.isFinite else { return raw("null") }
        if value == value.rounded(), abs(value) < 1e15 {
            integer(Int(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// Appends a decimal as a JSON number; NaN (which JSON cannot write) becomes `null`.
    public mutating func decimal(_ value: Decimal) {
        guard !value.isNaN else { return raw("null") }
        bytes.append(contentsOf: value.description.utf8)
    }

    /// Appends money as a JSON number in its canonical text (`2400.5`): exact, no exponent.
    public mutating func money(_ value: Money) {
        bytes.append(contentsOf: value.description.utf8)
    }

    /// Appends an exact decimal in plain text.
    mutating func exact(_ value: ExactDecimal) {
        bytes.append(contentsOf: value.plainText.utf8)
    }

    /// Appends `true` or `false`.
    public mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    /// Appends any JSON value.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): bool(flag)
        case .number(let text): bytes.append(contentsOf: text.utf8)
        case .string(let text): string(text)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                string(member.key)
                bytes.append(UInt8(ascii: ":"))
                self.value(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
