/// Numbers as people type them: runs of digits separated by single spaces or dashes
/// ("4539 1488 0343 6467", "123-45-6789"), standing alone (no letter or digit touching either end).
struct DigitGroups {
    /// One run of digits inside a token.
    struct Group {
        var start: Int
        var count: Int
        /// The separator byte before this group (0 for the first).
        var separator: UInt8
    }

    /// Calls `body` with the groups of every standalone digit token in `bytes`
    /// that has at least `minimumDigits` digits in all.
    static func forEachToken(
        in bytes: UnsafeBufferPointer<UInt8>, minimumDigits: Int, _ body: (_ groups: [Group]) -> Void
    ) {
        var groups: [Group] = []
        var index = 0
        let end = bytes.count
        while index < end {
            guard ASCII.isDigit(bytes[index]) else {
                index += 1
                continue
            }
            // A token may not continue a word ("A1042" is an id, not a number).
            if index > 0, ASCII.isLetter(bytes[index - 1]) {
                while index < end, ASCII.isAlphanumeric(bytes[index]) { index += 1 }
                continue
            }
            groups.removeAll(keepingCapacity: true)
            var total = 0
            var separator: UInt8 = 0
            var position = index
            while true {
                let start = position
                while position < end, ASCII.isDigit(bytes[position]) { position += 1 }
                groups.append(Group(start: start, count: position - start, separator: separator))
                total += position - start
                if position + 1 < end, bytes[position] == 0x20 || bytes[position] == 0x2D, ASCII.isDigit(bytes[position + 1]) {
                    separator = bytes[position]
                    position += 1
                    continue
                }
                break
            }
            let standalone = position == end || !ASCII.isLetter(bytes[position])
            if standalone, total >= minimumDigits { body(groups) }
            index = position
            while index < end, ASCII.isAlphanumeric(bytes[index]) { index += 1 }
        }
    }

    /// The value of the decimal digits in `start..<start+count`.
    @inline(__always)
    static func value(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int {
        var value = 0
        for offset in 0..<count { value = value * 10 + Int(bytes[start + offset] &- 0x30) }
        return value
    }
}
