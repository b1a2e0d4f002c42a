import CountersignCore

/// Building report documents as `JSONValue` trees, written out as JSON or as YAML.
enum ReportValue {
    static func number(_ value: Int) -> JSONValue { .number(String(value)) }

    static func number(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int(value))) }
        return .number(value.description)
    }

    static func number(_ value: Double?) -> JSONValue { value.map(number) ?? .null }
    static func number(_ value: Int?) -> JSONValue { value.map(number) ?? .null }
    static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(members.map { JSONMember($0.0, $0.1) }) }

    /// One line of JSON.
    static func json(_ value: JSONValue) -> String {
        var writer = JSONWriter(capacity: 4096)
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self) + "\n"
    }

    /// Block-style YAML; strings double-quoted (JSON escapes are valid YAML).
    static func yaml(_ value: JSONValue) -> String {
        var out = ""
        emit(value, indent: 0, into: &out, inline: false)
        return out
    }

    private static func scalar(_ value: JSONValue) -> String? {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let text): return text
        case .string(let text):
            var writer = JSONWriter(capacity: text.utf8.count + 2)
            writer.string(text)
            return String(decoding: writer.bytes, as: UTF8.self)
        case .array(let items) where items.isEmpty: return "[]"
        case .object(let members) where members.isEmpty: return "{}"
        default: return nil
        }
    }

    private static func emit(_ value: JSONValue, indent: Int, into out: inout String, inline: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let members) where !members.isEmpty:
            for (position, member) in members.enumerated() {
                let prefix = inline && position == 0 ? "" : pad
                if let text = scalar(member.value) {
                    out += "\(prefix)\(member.key): \(text)\n"
                } else {
                    out += "\(prefix)\(member.key):\n"
                    emit(member.value, indent: indent + 2, into: &out, inline: false)
                }
            }
        case .array(let items) where !items.isEmpty:
            for item in items {
                if let text = scalar(item) {
                    out += "\(pad)- \(text)\n"
                } else {
                    out += "\(pad)- "
                    emit(item, indent: indent + 2, into: &out, inline: true)
                }
            }
        default:
            out += "\(pad)\(scalar(value) ?? "null")\n"
        }
    }
}
