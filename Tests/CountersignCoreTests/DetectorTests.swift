import CountersignCore
import Foundation
import Testing

/// The PII detectors validate, not just match (CONTRACT §2). Valid numbers are generated here by
/// their own algorithms, independently of the detectors, from a seeded generator.
@Suite("PII detectors")
struct DetectorTests {
    // MARK: Independent algorithms

    /// Luhn: the check digit that makes `payload` + digit pass mod 10.
    static func luhnCheckDigit(_ payload: [Int]) -> Int {
        var sum = 0
        // Digits of the payload, from the right; the rightmost payload digit is doubled (the check digit is not).
        for (offset, digit) in payload.reversed().enumerated() {
            var value = digit
            if offset % 2 == 0 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return (10 - sum % 10) % 10
    }

    static func luhnValid(_ digits: [Int]) -> Bool {
        guard let last = digits.last else { return false }
        return luhnCheckDigit(Array(digits.dropLast())) == last
    }

    /// A valid card number of `length` digits, first digit 1…9.
    static func cardNumber(length: Int, using rng: inout SplitMix64) -> [Int] {
        var digits = [Int.random(in: 1...9, using: &rng)]
        while digits.count < length - 1 { digits.append(Int.random(in: 0...9, using: &rng)) }
        digits.append(luhnCheckDigit(digits))
        return digits
    }

    /// Digits grouped by `size` with `separator` ("" for compact).
    static func grouped(_ text: String, by size: Int, separator: String) -> String {
        var out = ""
        for (index, character) in text.enumerated() {
            if index > 0, index % size == 0 { out += separator }
            out.append(character)
        }
        return out
    }

    static func string(_ digits: [Int]) -> String { digits.map(String.init).joined() }

    /// ISO 13616 mod 97 over the rearranged IBAN.
    static func mod97(_ rearranged: String) -> Int {
        var remainder = 0
        for character in rearranged {
            let value = character.isNumber ? Int(String(character))! : Int(character.asciiValue! - 55)
            for digit in String(value) { remainder = (remainder * 10 + Int(String(digit))!) % 97 }
        }
        return remainder
    }

    /// An IBAN with correct check digits for `country` and `bban` (whatever its length).
    static func iban(country: String, bban: String) -> String {
        let check = 98 - mod97(bban + country + "00")
        return country + (check < 10 ? "0\(check)" : "\(check)") + bban
    }

    static func randomBBAN(length: Int, using rng: inout SplitMix64) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var out = ""
        // Some countries start their BBAN with a bank code in letters (GB82 WEST …).
        let letterPrefix = Bool.random(using: &rng) ? min(4, length) : 0
        for index in 0..<length {
            out.append(index < letterPrefix ? letters.randomElement(using: &rng)! : Character(String(Int.random(in: 0...9, using: &rng))))
        }
        return out
    }

    static let cnWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

    /// ISO 7064 MOD 11-2 check character for the first 17 digits.
    static func cnCheckCharacter(_ first17: String) -> Character {
        // The check value c satisfies (Σ dᵢ·2^(17-i) + c) ≡ 1 (mod 11); the weights are 2^(17-i) mod 11.
        var sum = 0
        for (index, character) in first17.enumerated() { sum += Int(String(character))! * (1 << (17 - index)) % 11 }
        let value = (12 - sum % 11) % 11
        return value == 10 ? "X" : Character(String(value))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// A valid resident id: region starting 1…8, a real birth date from 1900 on, a sequence, a check character.
    static func cnResidentID(using rng: inout SplitMix64) -> String {
        let region = String(Int.random(in: 1...8, using: &rng)) + pad(Int.random(in: 0...99999, using: &rng), 5)
        let year = Int.random(in: 1900...2025, using: &rng)
        let month = Int.random(in: 1...12, using: &rng)
        let day = Int.random(in: 1...daysIn(month: month, year: year), using: &rng)
        let body = region + pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(Int.random(in: 0...999, using: &rng), 3)
        return body + String(cnCheckCharacter(body))
    }

    /// Replaces the digit at `index` of `text` by a different digit.
    static func changingDigit(of text: String, at index: Int, using rng: inout SplitMix64) -> String {
        var characters = Array(text)
        let old = Int(String(characters[index]))!
        let new = (old + Int.random(in: 1...9, using: &rng)) % 10
        characters[index] = Character(String(new))
        return String(characters)
    }

    static func digitIndices(_ text: String) -> [Int] {
        text.enumerated().filter { $0.element.isASCII && $0.element.isNumber }.map(\.offset)
    }

    // MARK: Generators agree with the published examples

    @Test("the test's own algorithms reproduce the published examples")
    func oraclesAgree() {
        #expect(Self.luhnValid([4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]))
        #expect(Self.luhnCheckDigit([7, 9, 9, 2, 7, 3, 9, 8, 7, 1]) == 3)
        #expect(Self.iban(country: "DE", bban: "370400440532013000") == "DE89370400440532013000")
        #expect(Self.iban(country: "GB", bban: "WEST12345698765432") == "GB82WEST12345698765432")
        #expect(Self.cnCheckCharacter("11010519491231002") == "X")
        #expect(zip(Self.cnWeights, (0..<17).map { (1 << (17 - $0)) % 11 }).allSatisfy { $0 == $1 })
    }

    // MARK: Cards

    @Test(
        "known card numbers",
        arguments: [
            ("4111 1111 1111 1111", true), ("4111111111111111", true), ("4111-1111-1111-1111", true),
            ("5555 5555 5555 4444", true), ("3782 822463 10005", true), ("6011111111111117", true),
            ("4111 1111 1111 1112", false), ("4111111111111121", false), ("1234 5678 9012 3456", false),
        ])
    func knownCards(number: String, valid: Bool) {
        #expect(CardNumberDetector.isValid(number) == valid)
        #expect(CardNumberDetector.contains("Please charge \(number) today") == valid)
        #expect(ContentScanner.contains(.cardNumber, in: "card: \(number).") == valid)
    }

    @Test("generated valid card numbers, 13…19 digits, compact or grouped by spaces or dashes")
    func generatedCards() {
        var rng = SplitMix64(seed: 1)
        for round in 0..<400 {
            let length = 13 + round % 7
            let number = Self.string(Self.cardNumber(length: length, using: &rng))
            let formats = [number, Self.grouped(number, by: 4, separator: " "), Self.grouped(number, by: 4, separator: "-")]
            for text in formats {
                #expect(CardNumberDetector.isValid(text), "\(text)")
                #expect(CardNumberDetector.contains(text), "\(text)")
                #expect(ContentScanner.contains(.cardNumber, in: "The customer's card is \(text), expiry 12/29"), "\(text)")
            }
        }
    }

    @Test("a generated card number with one digit changed is not a card")
    func cardsOneDigitChanged() {
        var rng = SplitMix64(seed: 2)
        for round in 0..<400 {
            let number = Self.string(Self.cardNumber(length: 13 + round % 7, using: &rng))
            let broken = Self.changingDigit(of: number, at: Int.random(in: 0..<number.count, using: &rng), using: &rng)
            #expect(!CardNumberDetector.isValid(broken), "\(broken)")
            #expect(!CardNumberDetector.isValid(Self.grouped(broken, by: 4, separator: " ")), "\(broken)")
            #expect(!CardNumberDetector.contains("card \(broken) please"), "\(broken)")
            #expect(!ContentScanner.contains(.cardNumber, in: broken), "\(broken)")
        }
    }

    @Test("Luhn-valid numbers of 12 or 20 digits are not cards")
    func cardLengths() {
        var rng = SplitMix64(seed: 3)
        for round in 0..<100 {
            let number = Self.string(Self.cardNumber(length: round % 2 == 0 ? 12 : 20, using: &rng))
            #expect(!CardNumberDetector.isValid(number), "\(number)")
            #expect(!CardNumberDetector.contains("number \(number)"), "\(number)")
        }
    }

    @Test(
        "card digits glued to letters, or with mixed separators, are not cards",
        arguments: [
            "ref4111111111111111", "4111111111111111abc", "x4111 1111 1111 1111", "4111 1111 1111 1111z",
            "4111 1111-1111 1111", "order_id=A4111111111111111",
        ])
    func cardsInWords(text: String) {
        #expect(!CardNumberDetector.contains(text))
        #expect(!ContentScanner.contains(.cardNumber, in: text))
    }

    @Test(
        "card numbers next to punctuation are found",
        arguments: [
            "(4111111111111111)", "card:4111-1111-1111-1111.", "\"4111 1111 1111 1111\"", "4111111111111111\n", "#4111111111111111!",
        ])
    func cardsWithPunctuation(text: String) {
        #expect(CardNumberDetector.contains(text))
    }

    @Test("a leading zero is no issuer: a Luhn-valid number starting with 0 is not taken for a card in text")
    func leadingZero() {
        // A leading zero adds nothing to the Luhn sum: 0 + a valid 15-digit number is Luhn-valid too.
        #expect(Self.luhnValid([0, 3, 7, 8, 2, 8, 2, 2, 4, 6, 3, 1, 0, 0, 0, 5]))
        #expect(CardNumberDetector.contains("card 378282246310005"))
        #expect(!CardNumberDetector.contains("card 0378282246310005"))
        #expect(!CardNumberDetector.contains("number 0000000000000000"))
    }

    // MARK: IBANs

    @Test(
        "known IBANs",
        arguments: [
            ("DE89 3704 0044 0532 0130 00", true), ("DE89370400440532013000", true), ("GB82 WEST 1234 5698 7654 32", true),
            ("GB82WEST12345698765432", true), ("gb82 west 1234 5698 7654 32", true), ("FR14 2004 1010 0505 0001 3M02 606", true),
            ("NO93 8601 1117 947", true),
            ("DE89 3704 0044 0532 0130 01", false), ("DE88 3704 0044 0532 0130 00", false), ("GB82 WEST 1234 5698 7654 33", false),
            ("DE89 3704 0044 0532 0130 000", false), ("DE89 3704 0044 0532 0130 0", false), ("XX89 3704 0044 0532 0130 00", false),
        ])
    func knownIBANs(iban: String, valid: Bool) {
        #expect(IBANDetector.isValid(iban) == valid)
        #expect(IBANDetector.contains("Please wire it to \(iban) today") == valid)
        #expect(ContentScanner.contains(.iban, in: "IBAN: \(iban).") == valid)
    }

    @Test("the registry lengths the detector uses")
    func countryLengths() {
        let lengths = IBANDetector.countryLengths
        #expect(lengths["DE"] == 22)
        #expect(lengths["GB"] == 22)
        #expect(lengths["FR"] == 27)
        #expect(lengths["NO"] == 15)
        #expect(lengths["MT"] == 31)
        #expect(lengths["NL"] == 18)
        #expect(lengths.count > 50)
        #expect(lengths.values.allSatisfy { (15...34).contains($0) })
    }

    static let ibanCountries = ["DE", "GB", "FR", "NL", "ES", "IT", "NO", "MT", "BE", "CH", "PL", "SA", "BR", "RU", "LC"]

    @Test("generated valid IBANs for many countries, compact or in groups of four")
    func generatedIBANs() throws {
        var rng = SplitMix64(seed: 4)
        let lengths = IBANDetector.countryLengths
        for round in 0..<600 {
            let country = Self.ibanCountries[round % Self.ibanCountries.count]
            let length = try #require(lengths[country])
            let iban = Self.iban(country: country, bban: Self.randomBBAN(length: length - 4, using: &rng))
            #expect(iban.count == length)
            for text in [iban, Self.grouped(iban, by: 4, separator: " ")] {
                #expect(IBANDetector.isValid(text), "\(text)")
                #expect(IBANDetector.contains("Wire to \(text) today"), "\(text)")
                #expect(ContentScanner.contains(.iban, in: text), "\(text)")
            }
        }
        // And every country the detector knows, once.
        for (country, length) in lengths.sorted(by: { $0.key < $1.key }) {
            let iban = Self.iban(country: country, bban: Self.randomBBAN(length: length - 4, using: &rng))
            #expect(IBANDetector.isValid(iban), "\(iban)")
            #expect(IBANDetector.contains("account \(Self.grouped(iban, by: 4, separator: " ")), thanks"), "\(iban)")
        }
    }

    @Test("a generated IBAN with one digit changed fails mod 97")
    func ibansOneDigitChanged() throws {
        var rng = SplitMix64(seed: 5)
        let lengths = IBANDetector.countryLengths
        for round in 0..<600 {
            let country = Self.ibanCountries[round % Self.ibanCountries.count]
            let iban = Self.iban(country: country, bban: Self.randomBBAN(length: try #require(lengths[country]) - 4, using: &rng))
            let broken = Self.changingDigit(of: iban, at: Self.digitIndices(iban).randomElement(using: &rng)!, using: &rng)
            for text in [broken, Self.grouped(broken, by: 4, separator: " ")] {
                #expect(!IBANDetector.isValid(text), "\(text)")
                #expect(!IBANDetector.contains("Wire to (\(text))."), "\(text)")
                #expect(!ContentScanner.contains(.iban, in: text), "\(text)")
            }
        }
    }

    @Test("an IBAN with correct check digits but the wrong length for its country is refused")
    func ibanWrongLength() throws {
        var rng = SplitMix64(seed: 6)
        let lengths = IBANDetector.countryLengths
        for round in 0..<300 {
            let country = Self.ibanCountries[round % Self.ibanCountries.count]
            let length = try #require(lengths[country])
            let wrong = length + (round % 2 == 0 ? -1 : 1)
            let iban = Self.iban(country: country, bban: Self.randomBBAN(length: wrong - 4, using: &rng))
            #expect(Self.mod97(String(iban.dropFirst(4)) + String(iban.prefix(4))) == 1)
            #expect(!IBANDetector.isValid(iban), "\(iban)")
            #expect(!IBANDetector.contains("IBAN (\(iban))."), "\(iban)")
            // Grouped, a too-long number may start with a valid IBAN of the right length followed by a
            // separate group ("BE57 1523 8287 2014 1"): that one is rightly found, so only test the others.
            let prefix = String(iban.prefix(length))
            if wrong > length, Self.mod97(String(prefix.dropFirst(4)) + String(prefix.prefix(4))) == 1 { continue }
            #expect(!IBANDetector.contains("IBAN \(Self.grouped(iban, by: 4, separator: " "))"), "\(iban)")
        }
    }

    @Test(
        "IBANs glued to other characters are not found",
        arguments: [
            "XDE89370400440532013000", "DE89370400440532013000X", "DE893704004405320130001", "1DE89370400440532013000",
        ])
    func ibanInWords(text: String) {
        #expect(!IBANDetector.contains(text))
    }

    // MARK: US SSNs

    @Test("generated SSNs over the valid ranges, with dashes or spaces")
    func generatedSSNs() {
        var rng = SplitMix64(seed: 7)
        for round in 0..<500 {
            var area = Int.random(in: 1...899, using: &rng)
            if area == 666 { area = 667 }
            // Hit the edges of each range now and then.
            if round % 10 == 0 { area = [1, 665, 667, 899][round / 10 % 4] }
            let group = round % 7 == 0 ? [1, 99][round % 2] : Int.random(in: 1...99, using: &rng)
            let serial = round % 11 == 0 ? [1, 9999][round % 2] : Int.random(in: 1...9999, using: &rng)
            #expect(USSocialSecurityNumberDetector.isValid(area: area, group: group, serial: serial))
            for separator in ["-", " "] {
                let ssn = Self.pad(area, 3) + separator + Self.pad(group, 2) + separator + Self.pad(serial, 4)
                #expect(USSocialSecurityNumberDetector.contains("My SSN is \(ssn), ok?"), "\(ssn)")
                #expect(ContentScanner.contains(.usSSN, in: ssn), "\(ssn)")
            }
        }
    }

    @Test("SSNs with a forbidden area, group or serial are refused")
    func invalidSSNs() {
        var rng = SplitMix64(seed: 8)
        for round in 0..<400 {
            var area = Int.random(in: 1...899, using: &rng)
            if area == 666 { area = 665 }
            var group = Int.random(in: 1...99, using: &rng)
            var serial = Int.random(in: 1...9999, using: &rng)
            switch round % 5 {
            case 0: area = 0
            case 1: area = 666
            case 2: area = Int.random(in: 900...999, using: &rng)
            case 3: group = 0
            default: serial = 0
            }
            #expect(!USSocialSecurityNumberDetector.isValid(area: area, group: group, serial: serial))
            let ssn = Self.pad(area, 3) + "-" + Self.pad(group, 2) + "-" + Self.pad(serial, 4)
            #expect(!USSocialSecurityNumberDetector.contains("SSN \(ssn)"), "\(ssn)")
            #expect(!ContentScanner.contains(.usSSN, in: ssn), "\(ssn)")
        }
    }

    @Test(
        "SSN lookalikes",
        arguments: [
            ("123-45-6789", true), ("123 45 6789", true), ("SSN: 078-05-1120.", true), ("899-99-9999", true), ("001-01-0001", true),
            ("000-12-3456", false), ("666-12-3456", false), ("900-12-3456", false), ("999-12-3456", false), ("123-00-4567", false),
            ("123-45-0000", false), ("123456789", false), ("123-45 6789", false), ("123 45-6789", false), ("123-45-6789-1", false),
            ("1-123-45-6789", false), ("SSN123-45-6789", false), ("123-45-6789x", false), ("12-345-6789", false), ("1234-56-789", false),
        ])
    func ssnLookalikes(text: String, valid: Bool) {
        #expect(USSocialSecurityNumberDetector.contains(text) == valid)
        #expect(ContentScanner.contains(.usSSN, in: text) == valid)
    }

    // MARK: Chinese resident ids

    @Test(
        "known resident ids",
        arguments: [
            ("11010519491231002X", true), ("11010519491231002x", true), ("110105194912310021", false), ("11010519491231003X", false),
            ("21010519491231002X", false),
        ])
    func knownResidentIDs(id: String, valid: Bool) {
        #expect(ChineseResidentIDDetector.isValid(id) == valid)
        #expect(ChineseResidentIDDetector.contains("身份证号 \(id) 谢谢") == valid)
        #expect(ContentScanner.contains(.cnResidentID, in: "id: \(id).") == valid)
    }

    @Test("generated resident ids with a valid birth date and check character, X included")
    func generatedResidentIDs() {
        var rng = SplitMix64(seed: 9)
        var endingInX = 0
        for _ in 0..<800 {
            let id = Self.cnResidentID(using: &rng)
            if id.hasSuffix("X") { endingInX += 1 }
            #expect(ChineseResidentIDDetector.isValid(id), "\(id)")
            #expect(ChineseResidentIDDetector.contains("Resident id \(id), verified"), "\(id)")
            #expect(ContentScanner.contains(.cnResidentID, in: id), "\(id)")
        }
        #expect(endingInX >= 30, "the generator must exercise the X check character")
    }

    @Test("resident ids with one digit changed or a wrong check character are refused")
    func residentIDsBroken() {
        var rng = SplitMix64(seed: 10)
        for _ in 0..<400 {
            let id = Self.cnResidentID(using: &rng)
            let changed = Self.changingDigit(of: id, at: Int.random(in: 0..<17, using: &rng), using: &rng)
            #expect(!ChineseResidentIDDetector.isValid(changed), "\(changed)")
            #expect(!ChineseResidentIDDetector.contains("id \(changed)"), "\(changed)")
            let check = Array("0123456789X").filter { String($0) != String(id.last!) }.randomElement(using: &rng)!
            let badCheck = String(id.dropLast()) + String(check)
            #expect(!ChineseResidentIDDetector.isValid(badCheck), "\(badCheck)")
            #expect(!ContentScanner.contains(.cnResidentID, in: badCheck), "\(badCheck)")
        }
    }

    @Test(
        "resident ids with an impossible birth date or region are refused even with a correct check character",
        arguments: [
            "11010519490230123",  // 1949-02-30
            "11010520230229123",  // 2023-02-29, not a leap year
            "11010519491301123",  // month 13
            "11010519490010123",  // month 00
            "11010519491200123",  // day 00
            "11010519490431123",  // April 31
            "11010519491232123",  // December 32
            "11010518991231123",  // born 1899
            "01010519800101123",  // region starting 0
            "91010519800101123",  // region starting 9
        ])
    func residentIDsBadDates(body: String) {
        let id = body + String(Self.cnCheckCharacter(body))
        #expect(id.count == 18)
        #expect(!ChineseResidentIDDetector.isValid(id), "\(id)")
        #expect(!ChineseResidentIDDetector.contains("id \(id)"), "\(id)")
    }

    @Test("leap days are real birth dates")
    func leapDay() {
        for body in ["11010520000229123", "11010519960229123"] {
            let id = body + String(Self.cnCheckCharacter(body))
            #expect(ChineseResidentIDDetector.isValid(id), "\(id)")
        }
        let notLeap = "11010519000229123"  // 1900 is not a leap year
        #expect(!ChineseResidentIDDetector.isValid(notLeap + String(Self.cnCheckCharacter(notLeap))))
    }

    @Test(
        "resident ids glued to letters or digits are not found",
        arguments: [
            "ID11010519491231002X", "11010519491231002Xa", "111010519491231002X", "1101051949123100X", "A11010519491231002X",
        ])
    func residentIDsInWords(text: String) {
        #expect(!ChineseResidentIDDetector.contains(text))
    }

    // MARK: Random digit strings

    @Test("random digit strings that fail every check are not PII")
    func randomDigitStrings() {
        var rng = SplitMix64(seed: 11)
        var checked = 0
        while checked < 500 {
            let length = Int.random(in: 9...19, using: &rng)
            var digits = (0..<length).map { _ in Int.random(in: 0...9, using: &rng) }
            // Make the Luhn check fail.
            if Self.luhnValid(digits) { digits[length - 1] = (digits[length - 1] + 1) % 10 }
            let text = Self.string(digits)
            if length == 18, Self.cnCheckCharacter(String(text.prefix(17))) == text.last { continue }
            checked += 1
            for kind in PIIKind.allCases {
                #expect(!ContentScanner.contains(kind, in: "order number \(text) shipped"), "\(kind) in \(text)")
            }
        }
    }

    @Test("random alphanumeric noise is not an IBAN")
    func randomIBANLookalikes() {
        var rng = SplitMix64(seed: 12)
        let lengths = IBANDetector.countryLengths
        var checked = 0
        while checked < 300 {
            let country = Self.ibanCountries.randomElement(using: &rng)!
            let candidate = country + Self.pad(Int.random(in: 0...99, using: &rng), 2) + Self.randomBBAN(length: lengths[country]! - 4, using: &rng)
            if Self.mod97(String(candidate.dropFirst(4)) + String(candidate.prefix(4))) == 1 { continue }
            checked += 1
            #expect(!IBANDetector.isValid(candidate), "\(candidate)")
            #expect(!IBANDetector.contains(candidate), "\(candidate)")
        }
    }

    // MARK: The scanner over a proposal

    @Test("the scanner looks at every text of a proposal, context strings included")
    func scannerTexts() {
        let scanner = ContentScanner(rules: Policy.default.escalation)
        let places: [Proposal] = [
            makeProposal(action: "pay 4111 1111 1111 1111"),
            makeProposal(reasoning: "pay 4111 1111 1111 1111"),
            makeProposal(impact: "pay 4111 1111 1111 1111"),
            makeProposal(fallback: "pay 4111 1111 1111 1111"),
            makeProposal(messages: [Message(role: "agent", text: "pay 4111 1111 1111 1111")]),
            makeProposal(messages: [Message(role: "customer", text: "pay 4111 1111 1111 1111")]),
            makeProposal(context: .object([JSONMember("card", .string("4111 1111 1111 1111"))])),
            makeProposal(context: .object([JSONMember("a", .array([.number("1"), .object([JSONMember("b", .string("4111111111111111"))])]))])),
        ]
        for proposal in places {
            #expect(scanner.scan(proposal).pii == [.cardNumber])
            #expect(DecisionEngine(policy: .default).decide(proposal).codes.contains("pii.card_number"))
        }
        // Keys and numbers are not texts.
        let notText = makeProposal(context: .object([JSONMember("4111111111111111", .number("4111111111111111"))]))
        #expect(scanner.scan(notText).pii.isEmpty)
    }

    @Test("the scanner reports every kind found, in PIIKind order, and only the kinds the policy turns on")
    func scannerKinds() {
        let proposal = makeProposal(
            action: "id 11010519491231002X", reasoning: "ssn 123-45-6789", impact: "iban DE89 3704 0044 0532 0130 00",
            fallback: "card 4111-1111-1111-1111")
        #expect(ContentScanner(rules: Policy.default.escalation).scan(proposal).pii == [.cardNumber, .iban, .usSSN, .cnResidentID])
        var rules = Policy.default.escalation
        rules.pii = [.iban, .usSSN]
        #expect(ContentScanner(rules: rules).scan(proposal).pii == [.iban, .usSSN])
        rules.pii = []
        #expect(ContentScanner(rules: rules).scan(proposal).pii.isEmpty)
        var policy = Policy.default
        policy.escalation.pii = [.iban]
        #expect(DecisionEngine(policy: policy).decide(proposal).codes.filter { $0.hasPrefix("pii.") } == ["pii.iban"])
    }

    @Test("PII escalates whatever the confidence, with a reason naming the kind")
    func piiReason() throws {
        let verdict = DecisionEngine(policy: .default).decide(
            makeProposal(operation: "lookup_order", confidence: 1.0, action: "Look up the order for SSN 123-45-6789"))
        #expect(verdict.level == .escalate)
        #expect(verdict.baseLevel == .auto)
        let reason = try #require(verdict.reasons.first)
        #expect(reason.code == "pii.us_ssn")
        #expect(reason.detail.contains("social security number"))
        #expect(!reason.detail.contains("123-45-6789"), "a reason must not repeat the personal data")
    }
}
