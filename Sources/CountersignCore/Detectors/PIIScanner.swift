/// A set of `PIIKind`s as bits, for the scanner's hot loop.
struct PIIKinds: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    static let cardNumber = PIIKinds(rawValue: 1)
    static let iban = PIIKinds(rawValue: 2)
    static let usSSN = PIIKinds(rawValue: 4)
    static let cnResidentID = PIIKinds(rawValue: 8)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ kind: PIIKind) {
        switch kind {
        case .cardNumber: self = .cardNumber
        case .iban: self = .iban
        case .usSSN: self = .usSSN
        case .cnResidentID: self = .cnResidentID
        }
    }

    init(_ kinds: some Sequence<PIIKind>) {
        self = kinds.reduce(into: PIIKinds()) { $0.insert(PIIKinds($1)) }
    }
}

/// Finds every kind of personal data in one pass over a text's UTF-8 bytes, without allocating.
///
/// The text is read word by word (runs of ASCII letters and digits). A word that starts with a
/// digit begins a *digit token*: digit groups joined by single spaces or dashes, as people type
/// card numbers and SSNs ("4539 1488 0343 6467", "123-45-6789"). A word of 18 characters may be a
/// Chinese resident id; a word that starts with two letters and two digits may begin an IBAN.
enum PIIScanner {
    /// One run of digits inside a digit token.
    struct Group {
        var start: Int
        var count: Int
        /// The separator byte before this group (0 for the first).
        var separator: UInt8
    }

    /// Longest digit token followed; longer ones are cut into several tokens.
    static let maximumGroups = 24

    /// The kinds among `wanted` found in `bytes`.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, wanted: PIIKinds) -> PIIKinds {
        var found = PIIKinds()
        let end = bytes.count
        let wantsDigits = !wanted.isDisjoint(with: [.cardNumber, .usSSN])
        let words = ASCII.wordBytes
        withUnsafeTemporaryAllocation(of: Group.self, capacity: maximumGroups) { groups in
            var index = 0
            var afterIBANPrefix = false
            while index < end {
                let byte = bytes[index]
                let lowered = words[Int(byte)]
                guard lowered != 0, lowered != 0xFF, lowered != 0x5F else {
                    index += 1
                    continue
                }
                // `index` starts a word.
                let wordStart = index
                let inIBANLookAlike = afterIBANPrefix
                afterIBANPrefix = false
                if ASCII.isDigit(byte), wantsDigits || wanted.contains(.cnResidentID) {
                    let (count, tokenEnd) = digitToken(bytes, from: index, into: groups)
                    let tokenGroups = UnsafeMutableBufferPointer(rebasing: groups[0..<count])
                    let standalone = tokenEnd == end || !ASCII.isLetter(bytes[tokenEnd])
                    // The digits after "FR33 " belong to an IBAN (valid or not), not to a card or an SSN.
                    if standalone, !inIBANLookAlike {
                        if wanted.contains(.cardNumber), !found.contains(.cardNumber), hasCardNumber(bytes, tokenGroups) {
                            found.insert(.cardNumber)
                        }
                        if wanted.contains(.usSSN), !found.contains(.usSSN), hasSSN(bytes, tokenGroups) { found.insert(.usSSN) }
                    }
                    if wanted.contains(.cnResidentID), !found.contains(.cnResidentID) {
                        // Each whole group of 18 digits, or a final group of 17 digits and an X.
                        for group in tokenGroups where group.count == 18 && (group.start + 18 < tokenEnd || standalone) {
                            if ChineseResidentIDDetector.isValid(UnsafeBufferPointer(rebasing: bytes[group.start..<(group.start + 18)])) {
                                found.insert(.cnResidentID)
                            }
                        }
                        if let last = tokenGroups.last, last.count == 17, tokenEnd < end, bytes[tokenEnd] | 0x20 == UInt8(ascii: "x"),
                            tokenEnd + 1 == end || !ASCII.isAlphanumeric(bytes[tokenEnd + 1]),
                            ChineseResidentIDDetector.isValid(UnsafeBufferPointer(rebasing: bytes[last.start...tokenEnd]))
                        {
                            found.insert(.cnResidentID)
                        }
                    }
                    index = tokenEnd
                } else if ASCII.isLetter(byte), index + 4 < end, ASCII.isLetter(bytes[index + 1]), ASCII.isDigit(bytes[index + 2]),
                    ASCII.isDigit(bytes[index + 3])
                {
                    if wanted.contains(.iban), !found.contains(.iban), IBANDetector.matches(bytes, at: index) { found.insert(.iban) }
                    afterIBANPrefix = true
                }
                // Skip the rest of the word.
                if index == wordStart { index += 1 }
                while index < end, ASCII.isAlphanumeric(bytes[index]) { index += 1 }
                if found == wanted { break }
                // Only a single space may join an IBAN's groups.
                if afterIBANPrefix, !(index + 1 < end && bytes[index] == 0x20 && ASCII.isAlphanumeric(bytes[index + 1])) {
                    afterIBANPrefix = false
                }
            }
        }
        return found
    }

    /// Reads the digit token starting at `start` into `groups`; returns the group count and the
    /// offset just past the token's last digit.
    @inline(__always)
    private static func digitToken(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into groups: UnsafeMutableBufferPointer<Group>
    ) -> (count: Int, end: Int) {
        let end = bytes.count
        var position = start
        var count = 0
        var separator: UInt8 = 0
        while true {
            let groupStart = position
            while position < end, ASCII.isDigit(bytes[position]) { position += 1 }
            groups[count] = Group(start: groupStart, count: position - groupStart, separator: separator)
            count += 1
            guard count < maximumGroups, position + 1 < end, bytes[position] == 0x20 || bytes[position] == 0x2D,
                ASCII.isDigit(bytes[position + 1])
            else { return (count, position) }
            separator = bytes[position]
            position += 1
        }
    }

    /// Whether the token's first groups, alike in their separators, make a valid card number, as a
    /// regular expression anchored at the number's start would read it: "4539 1488 0343 6467 12/27"
    /// holds one; the groups in the middle of a longer number are not tried.
    private static func hasCardNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ groups: UnsafeMutableBufferPointer<Group>) -> Bool {
        for first in 0..<min(groups.count, 1) {
            // No issuer number starts with 0.
            guard bytes[groups[first].start] != 0x30 else { continue }
            var digits = 0
            for last in first..<groups.count {
                if last > first + 1, groups[last].separator != groups[first + 1].separator { break }
                digits += groups[last].count
                if digits > 19 { break }
                if digits >= 13, CardNumberDetector.luhn(bytes, UnsafeMutableBufferPointer(rebasing: groups[first...last])) { return true }
            }
        }
        return false
    }

    /// Whether three groups of the token read AAA-GG-SSSS (or with spaces) and obey the SSA's rules.
    private static func hasSSN(_ bytes: UnsafeBufferPointer<UInt8>, _ groups: UnsafeMutableBufferPointer<Group>) -> Bool {
        guard groups.count >= 3 else { return false }
        for first in 0...(groups.count - 3) {
            let (area, group, serial) = (groups[first], groups[first + 1], groups[first + 2])
            guard area.count == 3, group.count == 2, serial.count == 4, group.separator == serial.separator else { continue }
            // The number must stand apart from its neighbours ("123-45-6789-1" is something else).
            if first > 0, area.separator == group.separator { continue }
            if first + 3 < groups.count, groups[first + 3].separator == group.separator { continue }
            if USSocialSecurityNumberDetector.isValid(
                area: value(bytes, area.start, 3), group: value(bytes, group.start, 2), serial: value(bytes, serial.start, 4))
            {
                return true
            }
        }
        return false
    }

    /// The value of the decimal digits in `start..<start+count`.
    @inline(__always)
    static func value(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int {
        var value = 0
        for offset in 0..<count { value = value * 10 + Int(bytes[start + offset] &- 0x30) }
        return value
    }
}
