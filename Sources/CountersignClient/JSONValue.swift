import Foundation

/// A JSON value: what a proposal's `context` holds and what the API returns as the stored proposal.
///
/// Numbers keep the text they were written with when they come from the server, so that exact
/// decimals (amounts) are never rounded through binary floating point.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `null`
    case null
    /// `true` or `false`
    case bool(Bool)
    /// A number, as its JSON text (`2400.00`, `0.97`, `3`).
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; members are written in sorted order.
    case object([String: JSONValue])

    /// A number from an integer.
    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }
    /// A number from a `Double` (use `.number("…")` or `Decimal` for money).
    public static func double(_ value: Double) -> JSONValue { .number(value.description) }
    /// A number from an exact decimal.
    public static func decimal(_ value: Decimal) -> JSONValue { .number(value.description) }

    /// The member of an object (nil for other values or a missing member).
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number's text, when this is a number.
    public var numberText: String? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// Creates a value from JSON text (any value, not only objects).
    public init(parsing data: Data) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value.description)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value; numbers are written from their text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let text):
            if let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) {
                try container.encode(decimal)
            } else {
                try container.encode(text)
            }
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }

    /// Compact JSON text with sorted keys.
    public var description: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
