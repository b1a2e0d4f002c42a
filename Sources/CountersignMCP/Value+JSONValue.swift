import CountersignClient
import Foundation
import MCP

import struct CountersignCore.Money

extension Value {
    /// The same value for the Countersign client (what the approver is shown).
    var jsonValue: JSONValue {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .number(String(number))
        case .double(let number): .number(CallBinding.canonical(.double(number)))
        case .string(let text): .string(text)
        case .data(let mimeType, let data): .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let items): .array(items.map(\.jsonValue))
        case .object(let members): .object(members.mapValues(\.jsonValue))
        }
    }

    /// The value at an RFC 6901 JSON pointer (`/payment/amount`, `/items/0/price`); nil when absent.
    func at(pointer: String) -> Value? {
        if pointer.isEmpty { return self }
        guard pointer.hasPrefix("/") else { return nil }
        var current = self
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// A number or a numeric string as money the gateway accepts (``Money``: exact, never
    /// negative, at most 18 digits before the point and 18 after); the refusal otherwise. A value
    /// of another kind (`true`, an object) is not an amount either.
    var money: Result<Money, Money.Refusal> {
        switch self {
        case .int(let number): Result { () throws(Money.Refusal) in try Money.parse(String(number)) }
        case .double(let number): Result { () throws(Money.Refusal) in try Money.parse(CallBinding.canonical(.double(number))) }
        case .string(let text): Result { () throws(Money.Refusal) in try Money.parse(text.trimmingCharacters(in: .whitespaces)) }
        default: .failure(.notAnAmount)
        }
    }
}
