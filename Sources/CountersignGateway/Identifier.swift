import Foundation

/// Identifiers for proposals, approvals and outbox messages: UUID version 7 (RFC 9562), lowercase.
/// They begin with the creation time in milliseconds, so new rows land at the end of the stores'
/// indexes instead of at random places (fewer pages written per commit), and they still carry 74
/// random bits (two reads of the system's random source, not one per byte).
enum Identifier {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func make(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(date.timeIntervalSince1970, 0) * 1000)
        let high = (millis << 16) | 0x7000 | (generator.next() & 0x0FFF)  // 48-bit time, version 7, 12 random bits
        let low = 0x8000_0000_0000_0000 | (generator.next() >> 2)  // RFC 9562 variant, 62 random bits
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            func put(_ word: UInt64, nibbles: ClosedRange<Int>) {
                for nibble in nibbles.reversed() {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        buffer[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    buffer[index] = hexDigits[Int((word >> (4 * UInt64(nibble))) & 0xF)]
                    index += 1
                }
            }
            put(high, nibbles: 0...15)
            put(low, nibbles: 0...15)
            return index
        }
    }
}
