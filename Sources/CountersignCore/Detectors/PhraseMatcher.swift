/// Finds whole-word, case-insensitive phrases in text. A space in a phrase matches any run of
/// whitespace, and a phrase must start and end at word boundaries, so "human" never matches
/// inside "human-readable" unless the phrase is "human" itself.
public struct PhraseMatcher: Sendable, Hashable {
    /// The phrases, lowercased with whitespace collapsed.
    public let phrases: [String]
    private let encoded: [[UInt8]]
    /// Phrase indices by their first byte.
    private let byFirstByte: [[Int]]
    private let hasNonASCII: Bool

    public init(phrases: [String]) {
        let normalized = phrases.map { phrase in
            phrase.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }.filter { !$0.isEmpty }
        self.phrases = normalized
        self.encoded = normalized.map { Array($0.utf8) }
        var table = [[Int]](repeating: [], count: 256)
        for (index, bytes) in encoded.enumerated() { table[Int(bytes[0])].append(index) }
        self.byFirstByte = table
        self.hasNonASCII = encoded.contains { $0.contains { $0 >= 0x80 } }
    }

    /// Whether the matcher has no phrases (the rule is off).
    public var isEmpty: Bool { encoded.isEmpty }

    /// The first phrase found in `text`, if any.
    public func firstMatch(in text: String) -> String? {
        if hasNonASCII, text.utf8.contains(where: { $0 >= 0x80 }) {
            return text.lowercased().withUTF8Bytes(firstMatch)
        }
        return text.withUTF8Bytes(firstMatch)
    }

    private func firstMatch(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let end = bytes.count
        var index = 0
        var atBoundary = true
        while index < end {
            let byte = bytes[index]
            if atBoundary {
                for candidate in byFirstByte[Int(ASCII.lowercased(byte))] where matches(encoded[candidate], bytes, at: index) {
                    return phrases[candidate]
                }
            }
            // The next position starts a word only if this byte ends one.
            if byte < 0x80 {
                atBoundary = !(ASCII.isAlphanumeric(byte) || byte == 0x5F)
            } else if byte & 0xC0 != 0x80 {
                atBoundary = !ASCII.isWordCharacter(bytes, at: index)
            }
            index += 1
        }
        return nil
    }

    private func matches(_ phrase: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        var position = start
        let end = bytes.count
        for expected in phrase {
            guard position < end else { return false }
            if expected == 0x20 {
                guard ASCII.isSpace(bytes[position]) else { return false }
                while position < end, ASCII.isSpace(bytes[position]) { position += 1 }
            } else {
                guard ASCII.lowercased(bytes[position]) == expected else { return false }
                position += 1
            }
        }
        return position == end || !ASCII.isWordCharacter(bytes, at: position)
    }
}
