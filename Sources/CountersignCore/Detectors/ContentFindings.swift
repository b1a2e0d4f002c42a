/// What the content detectors found in a proposal's texts.
public struct ContentFindings: Sendable, Hashable {
    /// Kinds of personal data found, in the policy's order of `PIIKind.allCases`.
    public var pii: [PIIKind] = []
    /// The human-request phrase found in a customer message.
    public var humanRequest: String?
    /// The legal phrase found in any text.
    public var legal: String?

    public init(pii: [PIIKind] = [], humanRequest: String? = nil, legal: String? = nil) {
        self.pii = pii
        self.humanRequest = humanRequest
        self.legal = legal
    }
}

/// Runs the content detectors a policy turns on over every text of a proposal.
public struct ContentScanner: Sendable, Hashable {
    public let pii: [PIIKind]
    public let humanRequest: PhraseMatcher
    public let legal: PhraseMatcher

    public init(rules: EscalationRules) {
        self.pii = PIIKind.allCases.filter(rules.pii.contains)
        self.humanRequest = PhraseMatcher(phrases: rules.humanRequestPhrases)
        self.legal = PhraseMatcher(phrases: rules.legalPhrases)
    }

    /// Whether `text` contains personal data of `kind`.
    public static func contains(_ kind: PIIKind, in text: String) -> Bool {
        text.withUTF8Bytes { contains(kind, $0) }
    }

    static func contains(_ kind: PIIKind, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch kind {
        case .cardNumber: CardNumberDetector.contains(bytes)
        case .iban: IBANDetector.contains(bytes)
        case .usSSN: USSocialSecurityNumberDetector.contains(bytes)
        case .cnResidentID: ChineseResidentIDDetector.contains(bytes)
        }
    }

    /// Scans the proposal: personal data and legal phrases in every text, requests for a human
    /// in the customer's messages only.
    public func scan(_ proposal: Proposal) -> ContentFindings {
        var findings = ContentFindings()
        var remaining = pii
        proposal.forEachText { text in
            if !remaining.isEmpty {
                text.withUTF8Bytes { bytes in
                    // Only texts with enough digits can hold a number worth checking.
                    guard Self.digitCount(bytes, atLeast: 9) else { return }
                    remaining.removeAll { kind in Self.contains(kind, bytes) }
                }
            }
            if findings.legal == nil, !legal.isEmpty { findings.legal = legal.firstMatch(in: text) }
        }
        findings.pii = pii.filter { !remaining.contains($0) }
        if !humanRequest.isEmpty {
            for message in proposal.messages where message.isFromCustomer {
                if let phrase = humanRequest.firstMatch(in: message.text) {
                    findings.humanRequest = phrase
                    break
                }
            }
        }
        return findings
    }

    @inline(__always)
    private static func digitCount(_ bytes: UnsafeBufferPointer<UInt8>, atLeast minimum: Int) -> Bool {
        var count = 0
        for byte in bytes where ASCII.isDigit(byte) {
            count += 1
            if count >= minimum { return true }
        }
        return false
    }
}
