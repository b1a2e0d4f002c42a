/// Finds whole-word, case-insensitive phrases in text. A space in a phrase matches any run of
/// whitespace, and a phrase must start and end at word boundaries, so "human" never matches
/// inside "human-readable" unless the phrase is "human" itself.
public struct PhraseMatcher: Sendable, Hashable {
    /// The phrases, lowercased with whitespace collapsed.
    public var phrases: [String] { table.phrases[0] }
    private let table: PhraseTable

    public init(phrases: [String]) {
        table = PhraseTable(lists: [phrases])
    }

    /// Whether the matcher has no phrases (the rule is off).
    public var isEmpty: Bool { phrases.isEmpty }

    /// The first phrase found in `text`, if any.
    public func firstMatch(in text: String) -> String? {
        table.matches(in: text, lists: 1).first
    }

    public static func == (lhs: PhraseMatcher, rhs: PhraseMatcher) -> Bool { lhs.phrases == rhs.phrases }
    public func hash(into hasher: inout Hasher) { hasher.combine(phrases) }
}

/// Up to two phrase lists laid out for one pass over a text: the text is read word by word, each
/// word is hashed as it is read, and only a word that is the first word of some phrase (one probe
/// of a small open-addressing table) leads to comparing phrases.
final class PhraseTable: @unchecked Sendable {
    // Immutable after init; the buffers are owned and freed here.
    /// The normalized phrases of each list.
    let phrases: [[String]]
    let hasNonASCII: Bool
    /// Every phrase's bytes, back to back.
    private let text: UnsafeMutableBufferPointer<UInt8>
    /// Each phrase's bytes in `text`, its list and its index in that list, grouped by first word.
    private let entries: UnsafeMutableBufferPointer<Entry>
    /// First words: hash, the word's bytes in `text`, and its phrases' range in `entries`.
    private let slots: UnsafeMutableBufferPointer<Slot>
    private let mask: UInt32

    struct Entry {
        var start: Int32
        var end: Int32
        var list: Int32
        var index: Int32
    }

    struct Slot {
        var hash: UInt32 = 0
        var wordStart: Int32 = 0
        var wordEnd: Int32 = -1
        var entriesStart: Int32 = 0
        var entriesEnd: Int32 = 0
        var isEmpty: Bool { wordEnd < 0 }
    }

    /// The phrases found, at most one per list.
    struct Matches {
        var phrases: (String?, String?) = (nil, nil)
        var first: String? { phrases.0 }
        var second: String? { phrases.1 }
    }

    init(lists: [[String]]) {
        precondition(lists.count <= 2, "a phrase table holds at most two lists")
        phrases = lists.map { list in
            list.map { $0.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ") }.filter { !$0.isEmpty }
        }
        // Each phrase with its first word (its bytes up to the first non-word character).
        var all: [(bytes: [UInt8], firstWord: [UInt8], list: Int, index: Int)] = []
        for (list, items) in phrases.enumerated() {
            for (index, phrase) in items.enumerated() {
                let bytes = Array(phrase.utf8)
                let firstWord = bytes.withUnsafeBufferPointer { buffer in
                    var end = 0
                    while end < buffer.count, ASCII.isWordCharacter(buffer, at: end) {
                        end += 1
                        while end < buffer.count, buffer[end] & 0xC0 == 0x80 { end += 1 }
                    }
                    return Array(buffer[0..<end])
                }
                // A phrase that starts with punctuation can never start at a word; it is left out.
                if !firstWord.isEmpty { all.append((bytes, firstWord, list, index)) }
            }
        }
        all.sort {
            ($0.firstWord.lexicographicallyPrecedes($1.firstWord)) || ($0.firstWord == $1.firstWord && ($0.list, $0.index) < ($1.list, $1.index))
        }
        hasNonASCII = all.contains { $0.bytes.contains { $0 >= 0x80 } }
        text = .allocate(capacity: max(all.reduce(0) { $0 + $1.bytes.count }, 1))
        entries = .allocate(capacity: max(all.count, 1))
        var capacity = 16
        while capacity < all.count * 4 { capacity *= 2 }
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot())
        mask = UInt32(capacity - 1)
        var offset = 0
        for (position, phrase) in all.enumerated() {
            _ = UnsafeMutableBufferPointer(rebasing: text[offset..<(offset + phrase.bytes.count)]).initialize(from: phrase.bytes)
            entries[position] = Entry(
                start: Int32(offset), end: Int32(offset + phrase.bytes.count), list: Int32(phrase.list), index: Int32(phrase.index))
            let hash = phrase.firstWord.reduce(Self.seed) { Self.mix($0, $1) }
            var slot = Int(hash & mask)
            while !slots[slot].isEmpty, slots[slot].hash != hash || !Self.equal(text, slots[slot], phrase.firstWord) {
                slot = (slot + 1) & Int(mask)
            }
            if slots[slot].isEmpty {
                slots[slot] = Slot(
                    hash: hash, wordStart: Int32(offset), wordEnd: Int32(offset + phrase.firstWord.count), entriesStart: Int32(position),
                    entriesEnd: Int32(position))
            }
            slots[slot].entriesEnd = Int32(position + 1)
            offset += phrase.bytes.count
        }
    }

    deinit {
        text.deallocate()
        entries.deallocate()
        slots.deallocate()
    }

    private static let seed: UInt32 = 2_166_136_261

    /// FNV-1a, one byte.
    @inline(__always)
    private static func mix(_ hash: UInt32, _ byte: UInt8) -> UInt32 { (hash ^ UInt32(byte)) &* 16_777_619 }

    private static func equal(_ text: UnsafeMutableBufferPointer<UInt8>, _ slot: Slot, _ word: [UInt8]) -> Bool {
        Int(slot.wordEnd - slot.wordStart) == word.count && text[Int(slot.wordStart)..<Int(slot.wordEnd)].elementsEqual(word)
    }

    /// The first phrase of each of the first `lists` lists found in `text`.
    func matches(in text: String, lists: Int) -> Matches {
        if hasNonASCII, text.utf8.contains(where: { $0 >= 0x80 }) {
            return text.lowercased().withUTF8Bytes { matches($0, lists: lists) }
        }
        return text.withUTF8Bytes { matches($0, lists: lists) }
    }

    /// One pass, word by word.
    private func matches(_ bytes: UnsafeBufferPointer<UInt8>, lists: Int) -> Matches {
        var result = Matches()
        var missing = lists == 2 ? 2 : 1
        let words = ASCII.wordBytes
        let end = bytes.count
        var index = 0
        while index < end {
            let first = words[Int(bytes[index])]
            if first == 0 || (first == 0xFF && (bytes[index] & 0xC0 == 0x80 || !ASCII.isWordCharacter(bytes, at: index))) {
                index += 1
                continue
            }
            // A word starts here: hash it (lowercased) while passing over it.
            let wordStart = index
            var hash = Self.seed
            while index < end {
                let byte = bytes[index]
                let lowered = words[Int(byte)]
                if lowered == 0 { break }
                if lowered == 0xFF, byte & 0xC0 != 0x80, !ASCII.isWordCharacter(bytes, at: index) { break }
                hash = Self.mix(hash, lowered == 0xFF ? byte : lowered)
                index += 1
            }
            var slotIndex = Int(hash & mask)
            while !slots[slotIndex].isEmpty {
                let slot = slots[slotIndex]
                slotIndex = (slotIndex + 1) & Int(mask)
                guard slot.hash == hash, Int(slot.wordEnd - slot.wordStart) == index - wordStart else { continue }
                for position in Int(slot.entriesStart)..<Int(slot.entriesEnd) {
                    let entry = entries[position]
                    guard entry.list < lists, entry.list == 0 ? result.phrases.0 == nil : result.phrases.1 == nil,
                        matches(Int(entry.start), Int(entry.end), bytes, at: wordStart)
                    else { continue }
                    let phrase = phrases[Int(entry.list)][Int(entry.index)]
                    if entry.list == 0 { result.phrases.0 = phrase } else { result.phrases.1 = phrase }
                    missing -= 1
                    if missing == 0 { return result }
                }
                break
            }
        }
        return result
    }

    @inline(__always)
    private func matches(_ start: Int, _ stop: Int, _ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        var position = offset
        let end = bytes.count
        for index in start..<stop {
            guard position < end else { return false }
            let expected = text[index]
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
