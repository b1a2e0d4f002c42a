/// Byte classes the detectors share. Text is scanned as UTF-8 bytes: no `Regex`, no allocation.
enum ASCII {
    /// For each byte: its lowercase form when it is an ASCII word character (letter, digit, `_`),
    /// 0 for other ASCII bytes, 0xFF for bytes of multi-byte characters. One load per byte in the
    /// scanners' word loops. Written once, before first use, and only read after.
    nonisolated(unsafe) static let wordBytes: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for byte in 0..<256 {
            let value = UInt8(byte)
            table[byte] = value >= 0x80 ? 0xFF : (isAlphanumeric(value) || value == 0x5F ? lowercased(value) : 0)
        }
        return UnsafePointer(table)
    }()

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte | 0x20 : byte }
    @inline(__always) static func uppercased(_ byte: UInt8) -> UInt8 { byte &- 0x61 < 26 ? byte & ~0x20 : byte }
    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Whether the Unicode scalar starting at `index` is a letter or digit (a word character).
    static func isWordCharacter(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let byte = bytes[index]
        if byte < 0x80 { return isAlphanumeric(byte) || byte == 0x5F }
        guard let scalar = decodeScalar(bytes, at: index) else { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// Whether the Unicode scalar that ends just before `index` is a word character.
    static func isWordCharacter(_ bytes: UnsafeBufferPointer<UInt8>, before index: Int) -> Bool {
        var start = index - 1
        while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return isWordCharacter(bytes, at: start)
    }

    private static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Unicode.Scalar? {
        var iterator = bytes[index...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }
}

extension String {
    /// Runs `body` over the string's UTF-8 bytes without copying when the string is native.
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable(body)!
    }
}
