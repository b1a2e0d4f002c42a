// The invariants of the fuzz targets that need only CountersignCore. The fuzz targets
// (Fuzz/json-reader, Fuzz/proposal-decoder, Fuzz/pii-scanner, Fuzz/renderers) call them on every
// generated input; Tests/CountersignCoreTests/FuzzRegressionTests.swift calls them on every
// committed seed and regression. This one file serves both: Tests/CountersignCoreTests/FuzzInvariants.swift
// is a symbolic link to it. It must compile in both places, so it uses CountersignCore and
// Foundation only, and never traps: a broken invariant is returned, not asserted.
import Foundation

@testable import CountersignCore

/// An invariant that did not hold for one input: a stable name (`json.round-trip`) and what was seen.
public struct InvariantViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable name, used to file the input (one reproducer per name and run).
    public var invariant: String
    public var detail: String

    public init(_ invariant: String, _ detail: String) {
        self.invariant = invariant
        self.detail = detail
    }

    public var description: String { "\(invariant): \(detail)" }
}

/// Splits a fuzz input into text fields: the bytes are read as UTF-8 (invalid sequences become
/// U+FFFD, as an HTTP body decoded by `String(decoding:)` would) and cut at U+001F, the unit
/// separator, which no field needs. Seeds stay readable: one field per segment.
public struct FuzzFields: Sendable {
    public static let separator: Unicode.Scalar = "\u{1F}"
    public var fields: [String]

    public init(_ bytes: [UInt8]) {
        fields = String(decoding: bytes, as: UTF8.self).split(separator: Character(Self.separator), omittingEmptySubsequences: false).map(
            String.init)
    }

    /// Field `index`, or `fallback` when the input has fewer fields.
    public subscript(_ index: Int, or fallback: String) -> String { index < fields.count ? fields[index] : fallback }

    /// Field `index`, or nil when the input has fewer fields or the field is empty.
    public subscript(optional index: Int) -> String? { index < fields.count && !fields[index].isEmpty ? fields[index] : nil }
}

/// The invariants, one function per target; each returns every violation it found (empty when all hold).
public enum CoreInvariants {
    // MARK: JSON reader

    /// `JSONReader` (read any value, and `skipValue`): a value read is written back by `JSONWriter`
    /// and read again to the same tree; `skipValue` consumes exactly what `readValue` reads; errors
    /// point inside the input; no value is accepted from bytes that are not UTF-8; nesting stays
    /// within `maximumDepth`; number text converts as Foundation and exact arithmetic say.
    public static func jsonReader(_ bytes: [UInt8]) -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            let value: JSONValue
            do throws(JSONError) {
                value = try reader.readValue()
            } catch {
                if !(0...bytes.count).contains(error.offset) {
                    violations.append(.init("json.error-offset", "offset \(error.offset) outside 0...\(bytes.count)"))
                }
                var skipper = JSONReader(buffer)
                if (try? skipper.skipValue()) != nil {
                    violations.append(.init("json.skip-accepts-more", "skipValue accepted what readValue refused"))
                }
                return
            }
            let end = reader.offset
            var skipper = JSONReader(buffer)
            do {
                try skipper.skipValue()
                if skipper.offset != end { violations.append(.init("json.skip-offset", "skipValue ended at \(skipper.offset), readValue at \(end)")) }
            } catch {
                violations.append(.init("json.skip-refuses", "skipValue refused what readValue read: \(error)"))
            }
            if String(validating: bytes[0..<end], as: UTF8.self) == nil {
                violations.append(.init("json.accepts-invalid-utf8", "a value was read from bytes that are not UTF-8 (issue 15 §8)"))
            }
            let depth = Self.depth(value)
            if depth > JSONReader.maximumDepth { violations.append(.init("json.depth", "nesting \(depth) read, limit \(JSONReader.maximumDepth)")) }
            var writer = JSONWriter()
            writer.value(value)
            let written = writer.bytes
            written.withUnsafeBufferPointer { again in
                var rereader = JSONReader(again)
                do {
                    let reread = try rereader.readValue()
                    if reread != value { violations.append(.init("json.round-trip", "written value reads back differently")) }
                    if !rereader.atEnd() { violations.append(.init("json.round-trip", "written value has trailing bytes")) }
                } catch {
                    violations.append(.init("json.round-trip", "written value does not read back: \(error)"))
                }
            }
            value.forEachNumber { text in violations += numberText(text) }
        }
        return violations
    }

    /// One validated JSON number: `NumberParser.double` is the correctly rounded double (Foundation's
    /// parse is the reference), and `exactComponents` is the number as written.
    static func numberText(_ text: String) -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            let fast = NumberParser.double(buffer)
            let reference = Double(text)
            if let reference, reference.isFinite, fast != reference {
                violations.append(.init("json.double", "\(text): \(fast.map(String.init(describing:)) ?? "nil"), expected \(reference)"))
            }
            let exact = NumberParser.exactComponents(buffer)
            let expected = ExactNumber(text)
            switch (exact, expected) {
            case (let exact?, let expected?):
                if ExactNumber(negative: exact.negative, significand: exact.significand, exponent: exact.exponent) != expected {
                    violations.append(.init("json.exact", "\(text) read as \(exact.significand)e\(exact.exponent)"))
                }
            case (nil, let expected?) where expected.digits.count <= 38 && abs(expected.writtenExponent) < 10_000 && abs(expected.exponent) < 5_000:
                violations.append(.init("json.exact", "\(text) refused though it has \(expected.digits.count) significant digits"))
            default: break
            }
        }
        return violations
    }

    static func depth(_ value: JSONValue) -> Int {
        switch value {
        case .array(let items): 1 + (items.map(depth).max() ?? 0)
        case .object(let members): 1 + (members.map { depth($0.value) }.max() ?? 0)
        default: 0
        }
    }

    // MARK: Proposal decoder

    /// `Proposal.decode(json:)`: a decoded proposal re-encodes (`jsonBytes`) and decodes to an
    /// equal proposal; amounts are finite and exactly the number written; nothing is decoded from
    /// bytes that are not UTF-8; input that is not JSON is refused as `invalid_json`; messages
    /// are plain ASCII (they never repeat the input).
    public static func proposalDecoder(_ bytes: [UInt8]) -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        let isJSON = bytes.withUnsafeBufferPointer { buffer -> Bool in
            var reader = JSONReader(buffer)
            return (try? reader.readValue()) != nil && reader.atEnd()
        }
        let proposal: Proposal
        do {
            proposal = try Proposal.decode(json: bytes)
        } catch {
            if !error.message.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }) {
                violations.append(.init("proposal.error-not-plain", "the error message has characters outside printable ASCII"))
            }
            if !isJSON, error.code != .invalidJSON {
                violations.append(
                    .init("proposal.broken-json-not-invalid-json", "input that is not JSON was refused as \(error.code.rawValue) (issue 15 §8)"))
            }
            return violations
        }
        if String(validating: bytes, as: UTF8.self) == nil {
            violations.append(.init("proposal.accepts-invalid-utf8", "a proposal was decoded from bytes that are not UTF-8 (issue 15 §8)"))
        }
        if !isJSON { violations.append(.init("proposal.accepts-broken-json", "a proposal was decoded from input that is not one JSON value")) }
        // Amounts: finite, exact, and the number the input wrote.
        let tree = bytes.withUnsafeBufferPointer { buffer -> JSONValue? in
            var reader = JSONReader(buffer)
            return try? reader.readValue()
        }
        for (name, value, exact) in [
            ("amount", proposal.amount, proposal.amountValue), ("reference_amount", proposal.referenceAmount, proposal.referenceValue),
        ] {
            guard let exact else { continue }
            let decimal = value ?? .nan
            if decimal.isNaN || ExactDecimal(decimal) != exact {
                violations.append(
                    .init("proposal.amount-not-exact", "\(name) \(exact.significand)e\(exact.exponent) is \(decimal) as a Decimal (issue 15 §1)"))
            }
            let written: String?
            switch tree?[name] {
            case .number(let text)?: written = text
            case .string(let text)?: written = text
            default: written = nil
            }
            if let written, let expected = ExactNumber(written),
                ExactNumber(negative: exact.isNegative, significand: exact.significand, exponent: exact.exponent) != expected
            {
                violations.append(.init("proposal.amount-not-as-written", "\(name) \(exact.significand)e\(exact.exponent) differs from the input"))
            }
        }
        if !proposal.confidence.isFinite || !(0...1).contains(proposal.confidence) {
            violations.append(.init("proposal.confidence-range", "confidence \(proposal.confidence)"))
        }
        if let timeout = proposal.timeoutSeconds, !(timeout.isFinite && timeout > 0) {
            violations.append(.init("proposal.timeout-range", "timeout \(timeout)"))
        }
        // Round trip.
        let encoded = proposal.jsonBytes
        do {
            let again = try Proposal.decode(json: encoded)
            if again != proposal {
                violations.append(.init("proposal.round-trip", "re-encoded proposal decodes differently: \(differences(proposal, again))"))
            }
        } catch {
            violations.append(.init("proposal.round-trip", "re-encoded proposal is refused: \(error)"))
        }
        return violations
    }

    /// The names of the fields in which two proposals differ.
    static func differences(_ lhs: Proposal, _ rhs: Proposal) -> String {
        var names: [String] = []
        if lhs.idempotencyKey != rhs.idempotencyKey { names.append("idempotency_key") }
        if lhs.agent != rhs.agent { names.append("agent") }
        if lhs.operation != rhs.operation { names.append("operation") }
        if lhs.confidence != rhs.confidence { names.append("confidence") }
        if lhs.amountValue != rhs.amountValue { names.append("amount") }
        if lhs.referenceValue != rhs.referenceValue { names.append("reference_amount") }
        if lhs.currency != rhs.currency { names.append("currency") }
        if lhs.subject != rhs.subject { names.append("subject") }
        if lhs.action != rhs.action { names.append("action") }
        if lhs.reasoning != rhs.reasoning { names.append("reasoning") }
        if lhs.impact != rhs.impact { names.append("impact") }
        if lhs.fallback != rhs.fallback { names.append("fallback") }
        if lhs.messages != rhs.messages { names.append("messages") }
        if lhs.context != rhs.context { names.append("context") }
        if lhs.at != rhs.at { names.append("at (\(lhs.at?.timeIntervalSince1970 ?? 0) vs \(rhs.at?.timeIntervalSince1970 ?? 0))") }
        if lhs.timeoutSeconds != rhs.timeoutSeconds { names.append("timeout") }
        if lhs.callbackURL != rhs.callbackURL { names.append("callback_url") }
        return names.joined(separator: ", ")
    }

    // MARK: PII scanner

    /// The content detectors over the input as text: scanning for one kind finds it exactly when
    /// scanning for all kinds does; a number found is really there (a card number passing Luhn,
    /// an IBAN passing mod 97, an SSN obeying the SSA's rules, a resident id passing MOD 11-2,
    /// each checked by a slow reference search); a valid number planted in the text on a line of
    /// its own is found. With a U+001F in the input, the part before it is a list of phrases (one
    /// per line) and the rest the text: a phrase found is one of the list, and a plain ASCII phrase
    /// planted on a line of its own is found.
    public static func piiScanner(_ bytes: [UInt8]) -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        let input = String(decoding: bytes, as: UTF8.self)
        var text = input
        var phrases: [String] = []
        if let separator = input.unicodeScalars.firstIndex(of: FuzzFields.separator) {
            phrases = String(input.unicodeScalars[..<separator]).split(separator: "\n").map(String.init)
            text = String(input.unicodeScalars[input.unicodeScalars.index(after: separator)...])
        }
        let all = PIIKinds(PIIKind.allCases)
        let found = text.withUTF8Bytes { PIIScanner.scan($0, wanted: all) }
        for kind in PIIKind.allCases {
            let alone = ContentScanner.contains(kind, in: text)
            if alone != found.contains(PIIKinds(kind)) {
                violations.append(.init("pii.scan-consistency", "\(kind.rawValue): alone \(alone), with the others \(!alone)"))
            }
            if found.contains(PIIKinds(kind)), !ReferenceDetectors.contains(kind, in: text) {
                violations.append(.init("pii.false-find", "\(kind.rawValue) found where the reference search finds none"))
            }
            let planted = plant(ReferenceDetectors.example(kind), in: text)
            if !ContentScanner.contains(kind, in: planted) {
                violations.append(.init("pii.planted-missed", "\(kind.rawValue) on a line of its own was not found"))
            }
        }
        // The scanner a policy builds agrees with the scan above.
        var rules = Policy.default.escalation
        rules.pii = Set(PIIKind.allCases)
        rules.legalPhrases = phrases
        rules.humanRequestPhrases = phrases
        let scanner = ContentScanner(rules: rules)
        let findings = scanner.scan(Proposal(agent: "fuzz", operation: "fuzz", confidence: 0.5, action: text.isEmpty ? "-" : text))
        let expectedKinds = text.isEmpty ? [] : PIIKind.allCases.filter { found.contains(PIIKinds($0)) }
        if findings.pii != expectedKinds {
            violations.append(
                .init("pii.content-scanner", "ContentScanner found \(findings.pii.map(\.rawValue)), PIIScanner \(expectedKinds.map(\.rawValue))"))
        }
        // Phrases.
        if !phrases.isEmpty {
            let matcher = PhraseMatcher(phrases: phrases)
            if let match = matcher.firstMatch(in: text), !matcher.phrases.contains(match) {
                violations.append(.init("phrase.unknown-match", "matched a phrase that is not in the list"))
            }
            if let plain = matcher.phrases.first(where: { phrase in
                phrase.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) || $0 == " " } && ASCII.isAlphanumeric(phrase.utf8.first ?? 0)
            }) {
                if matcher.firstMatch(in: plant(plain, in: text)) == nil {
                    violations.append(.init("phrase.planted-missed", "a plain ASCII phrase on a line of its own was not found"))
                }
            }
        }
        return violations
    }

    /// `text` with `value` inserted on a line of its own, halfway through (on a scalar boundary).
    static func plant(_ value: String, in text: String) -> String {
        let scalars = text.unicodeScalars
        let middle = scalars.index(scalars.startIndex, offsetBy: scalars.count / 2)
        return String(scalars[..<middle]) + "\n" + value + "\n" + String(scalars[middle...])
    }

    // MARK: HTML escaper

    /// `HTMLText.escape`: the output has no raw `<`, `>`, `"` or `'` scalar, every `&` starts one of
    /// the five entities the escaper writes, and unescaping gives back the input scalar for scalar,
    /// as ``DisplayText/lines(_:)`` shows it (concealing characters such as U+202E are marked
    /// `[U+202E]` on purpose, before escaping).
    public static func htmlEscaper(_ text: String) -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        let escaped = HTMLText.escape(text)
        let scalars = Array(escaped.unicodeScalars)
        if let raw = scalars.first(where: { "<>\"'".unicodeScalars.contains($0) }) {
            violations.append(.init("html.raw-special", "a raw \(raw.escaped(asASCII: true)) is left in the output (issue 15 §2)"))
        }
        var unescaped: [Unicode.Scalar] = []
        var index = 0
        let entities: [(String, Unicode.Scalar)] = [("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'")]
        scan: while index < scalars.count {
            if scalars[index] == "&" {
                for (entity, scalar) in entities where scalars[index...].starts(with: entity.unicodeScalars) {
                    unescaped.append(scalar)
                    index += entity.unicodeScalars.count
                    continue scan
                }
                violations.append(.init("html.bare-ampersand", "an & that starts no entity"))
            }
            unescaped.append(scalars[index])
            index += 1
        }
        if unescaped != Array(DisplayText.lines(text).unicodeScalars) {
            violations.append(.init("html.not-reversible", "unescaping the output does not give back the input as shown"))
        }
        return violations
    }
}

extension JSONValue {
    /// Calls `body` with the text of every number inside this value.
    func forEachNumber(_ body: (String) -> Void) {
        switch self {
        case .number(let text): body(text)
        case .array(let items): for item in items { item.forEachNumber(body) }
        case .object(let members): for member in members { member.value.forEachNumber(body) }
        case .null, .bool, .string: break
        }
    }
}

/// A decimal number as written, normalised (no leading or trailing zeros in `digits`): the slow
/// reference the exact parsers are compared with. Zero is `digits == ""`, any sign, exponent 0.
struct ExactNumber: Hashable {
    var negative: Bool
    var digits: String
    var exponent: Int
    /// The exponent as written after `e` (not part of the value).
    var writtenExponent = 0

    static func == (lhs: ExactNumber, rhs: ExactNumber) -> Bool {
        (lhs.negative, lhs.digits, lhs.exponent) == (rhs.negative, rhs.digits, rhs.exponent)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(negative)
        hasher.combine(digits)
        hasher.combine(exponent)
    }

    /// Parses `-?digits(.digits)?([eE][+-]?digits)?`; nil for anything else or an absurd exponent.
    init?(_ text: String) {
        var scalars = Substring(text)
        let isNegative = scalars.first == "-"
        if isNegative { scalars = scalars.dropFirst() }
        var mantissa = scalars
        var power = 0
        if let e = scalars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = scalars[..<e]
            var exponentText = scalars[scalars.index(after: e)...]
            if exponentText.first == "+" { exponentText = exponentText.dropFirst() }
            guard exponentText.count <= 6, let value = Int(exponentText) else { return nil }
            power = value
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            parts.count == 1 || !parts[1].isEmpty
        else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        self.init(negative: isNegative, digits: String(parts[0]) + fraction, exponent: power - fraction.count)
        writtenExponent = power
    }

    init(negative: Bool, significand: UInt128, exponent: Int) {
        self.init(negative: negative, digits: significand == 0 ? "" : String(significand), exponent: exponent)
    }

    private init(negative: Bool, digits: String, exponent: Int) {
        var digits = Substring(digits.drop { $0 == "0" })
        var exponent = exponent
        while digits.last == "0" {
            digits = digits.dropLast()
            exponent += 1
        }
        self.negative = negative && !digits.isEmpty
        self.digits = String(digits)
        self.exponent = digits.isEmpty ? 0 : exponent
    }
}

/// Slow, obviously correct searches for each kind of personal data: every substring that could be
/// a number of that kind is tried with the kind's public validator.
enum ReferenceDetectors {
    /// A valid number of each kind (the well-known test numbers).
    static func example(_ kind: PIIKind) -> String {
        switch kind {
        case .cardNumber: "4539 1488 0343 6467"
        case .iban: "DE89 3704 0044 0532 0130 00"
        case .usSSN: "123-45-6789"
        case .cnResidentID: "11010519491231002X"
        }
    }

    static func contains(_ kind: PIIKind, in text: String) -> Bool {
        let bytes = Array(text.utf8)
        switch kind {
        case .cardNumber:
            // 13–19 digits, single spaces or dashes between them.
            return starts(bytes).contains { start in
                var digits = 0
                var end = start
                while end < bytes.count, digits < 19 {
                    let byte = bytes[end]
                    if ASCII.isDigit(byte) {
                        digits += 1
                        end += 1
                        if digits >= 13, CardNumberDetector.isValid(String(decoding: bytes[start..<end], as: UTF8.self)) { return true }
                    } else if byte == 0x20 || byte == 0x2D, end + 1 < bytes.count, ASCII.isDigit(bytes[end + 1]) {
                        end += 1
                    } else {
                        break
                    }
                }
                return false
            }
        case .usSSN:
            return starts(bytes).contains { start in
                guard start + 11 <= bytes.count else { return false }
                let window = Array(bytes[start..<(start + 11)])
                guard window[3] == window[6], window[3] == 0x20 || window[3] == 0x2D,
                    [0, 1, 2, 4, 5, 7, 8, 9, 10].allSatisfy({ ASCII.isDigit(window[$0]) })
                else { return false }
                let number = { (range: Range<Int>) in Int(String(decoding: window[range], as: UTF8.self)) ?? -1 }
                return USSocialSecurityNumberDetector.isValid(area: number(0..<3), group: number(4..<6), serial: number(7..<11))
            }
        case .iban:
            // Two letters, two digits, then letters and digits with single spaces.
            return (0..<bytes.count).contains { start in
                var end = start
                var characters = 0
                while end < bytes.count, characters < 34 {
                    let byte = bytes[end]
                    if ASCII.isAlphanumeric(byte) {
                        characters += 1
                        end += 1
                        if characters >= 15, IBANDetector.isValid(String(decoding: bytes[start..<end], as: UTF8.self)) { return true }
                    } else if byte == 0x20, end + 1 < bytes.count, ASCII.isAlphanumeric(bytes[end + 1]), characters > 0 {
                        end += 1
                    } else {
                        break
                    }
                }
                return false
            }
        case .cnResidentID:
            guard bytes.count >= 18 else { return false }
            return (0...(bytes.count - 18)).contains { start in
                ChineseResidentIDDetector.isValid(String(decoding: bytes[start..<(start + 18)], as: UTF8.self))
            }
        }
    }

    /// Offsets of digits that do not follow another digit.
    private static func starts(_ bytes: [UInt8]) -> [Int] {
        bytes.indices.filter { ASCII.isDigit(bytes[$0]) && ($0 == 0 || !ASCII.isDigit(bytes[$0 - 1])) }
    }
}
