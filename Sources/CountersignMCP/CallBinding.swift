import Crypto
import Foundation
import MCP

/// What an approval is bound to: the upstream, the tool and the exact arguments, as a SHA-256
/// over a canonical encoding. Two calls have the same binding exactly when they would do the same
/// thing; an edited argument, anywhere, is another binding and needs another approval.
///
/// Canonical encoding (version 1): JSON with object members sorted by their UTF-8 bytes, no
/// whitespace, integers in decimal, other numbers in Swift's shortest round-trip form, strings
/// with only `"`, `\` and control characters escaped (`\u00XX`), binary data as its data URL.
public struct CallBinding: Sendable, Hashable, CustomStringConvertible {
    /// The hex SHA-256.
    public let digest: String

    /// The binding of one call.
    public init(upstream: String, tool: String, arguments: [String: Value]) {
        let canonical = Self.canonical(.object(["upstream": .string(upstream), "tool": .string(tool), "arguments": .object(arguments)]))
        let hash = SHA256.hash(data: Data(("countersign-mcp-binding/v1\n" + canonical).utf8))
        digest = hash.map { String(format: "%02x", $0) }.joined()
    }

    /// `sha256:<hex>`
    public var description: String { "sha256:" + digest }

    /// The canonical text of a value.
    public static func canonical(_ value: Value) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: Value, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number):
            if number.rounded() == number, abs(number) < 1e15 { out += String(Int64(number)) } else { out += number.description }
        case .string(let text): writeString(text, to: &out)
        case .data(let mimeType, let data):
            writeString("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())", to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
                if index > 0 { out += "," }
                writeString(key, to: &out)
                out += ":"
                write(members[key]!, to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
