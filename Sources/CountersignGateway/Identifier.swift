import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Identifiers for proposals, approvals and outbox messages: UUID version 7 (RFC 9562), lowercase.
/// They begin with the creation time in milliseconds, so new rows land at the end of the stores'
/// indexes instead of at random places (fewer pages written per commit), and they still carry 74
/// random bits from the system's random source, read 256 bytes at a time.
enum Identifier {
    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let random = Mutex(RandomWords())

    static func make(at date: Date = Date()) -> String {
        let (first, second) = random.withLock { ($0.next(), $0.next()) }
        let millis = UInt64(max(date.timeIntervalSince1970, 0) * 1000)
        let high = (millis << 16) | 0x7000 | (first & 0x0FFF)  // 48-bit time, version 7, 12 random bits
        let low = 0x8000_0000_0000_0000 | (second >> 2)  // RFC 9562 variant, 62 random bits
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

/// Words of the system's random source, fetched 32 at a time: one read serves 16 identifiers
/// instead of two `getrandom` calls each.
private struct RandomWords {
    private var words = [UInt64](repeating: 0, count: 32)
    private var used = 32

    mutating func next() -> UInt64 {
        if used == words.count {
            refill()
            used = 0
        }
        defer { used += 1 }
        return words[used]
    }

    private mutating func refill() {
        #if canImport(Glibc)
            let read = words.withUnsafeMutableBytes { Glibc.read(Self.urandom, $0.baseAddress, $0.count) }
            if read == words.count * 8 { return }
        #endif
        var generator = SystemRandomNumberGenerator()
        for index in words.indices { words[index] = generator.next() }
    }

    #if canImport(Glibc)
        /// The kernel's random source, open for the life of the process (-1 if it cannot be opened).
        private static let urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    #endif
}
