import CountersignStore
import Foundation

/// Identifiers for proposals, approvals and outbox messages: UUID version 7 (RFC 9562), lowercase.
/// They begin with the creation time in milliseconds, so new rows land at the end of the stores'
/// indexes instead of at random places (fewer pages written per commit), and they still carry 74
/// random bits.
enum Identifier {
    static func make(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        let millis = UInt64(max(date.timeIntervalSince1970, 0) * 1000)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        for index in 6..<16 { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 9562 variant
        let hex = AuditChain.hex(bytes)
        let characters = Array(hex)
        return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16]) + "-"
            + String(characters[16..<20]) + "-" + String(characters[20..<32])
    }
}
