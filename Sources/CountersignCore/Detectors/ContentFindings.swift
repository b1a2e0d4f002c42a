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
public struct ContentScanner: Sendable {
    public let pii: [PIIKind]
    private let wanted: PIIKinds
    /// List 0: legal phrases (every text); list 1: human-request phrases (customer messages).
    private let phrases: PhraseTable
    private let scansLegal: Bool
    private let scansHumanRequest: Bool

    public init(rules: EscalationRules) {
        pii = PIIKind.allCases.filter(rules.pii.contains)
        wanted = PIIKinds(pii)
        phrases = PhraseTable(lists: [rules.legalPhrases, rules.humanRequestPhrases])
        scansLegal = !phrases.phrases[0].isEmpty
        scansHumanRequest = !phrases.phrases[1].isEmpty
    }

    /// Whether `text` contains personal data of `kind`.
    public static func contains(_ kind: PIIKind, in text: String) -> Bool {
        text.withUTF8Bytes { contains(kind, $0) }
    }

    static func contains(_ kind: PIIKind, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !PIIScanner.scan(bytes, wanted: PIIKinds(kind)).isEmpty
    }

    /// Scans the proposal: personal data and legal phrases in every text, requests for a human
    /// in the customer's messages only. Each text is read at most twice: once for numbers, once for phrases.
    public func scan(_ proposal: Proposal) -> ContentFindings {
        var state = ScanState(wanted: wanted)
        proposal.forEachText { text in
            state.scan(text, customer: false, self)
        } messages: { message in
            state.scan(message.text, customer: message.isFromCustomer, self)
        }
        var findings = state.findings
        if !state.found.isEmpty { findings.pii = pii.filter { state.found.contains(PIIKinds($0)) } }
        return findings
    }

    /// What one scan has found so far.
    private struct ScanState {
        let wanted: PIIKinds
        var found = PIIKinds()
        var findings = ContentFindings()

        mutating func scan(_ text: String, customer: Bool, _ scanner: ContentScanner) {
            if found != wanted {
                let missing = wanted.subtracting(found)
                let more = text.withUTF8Bytes { bytes in
                    // Every kind needs at least nine digits in the text.
                    ContentScanner.hasDigits(bytes, atLeast: 9) ? PIIScanner.scan(bytes, wanted: missing) : []
                }
                found.formUnion(more)
            }
            let lists = customer && scanner.scansHumanRequest && findings.humanRequest == nil ? 2 : 1
            guard lists == 2 || (scanner.scansLegal && findings.legal == nil) else { return }
            let matches = scanner.phrases.matches(in: text, lists: lists)
            if findings.legal == nil { findings.legal = matches.first }
            if findings.humanRequest == nil { findings.humanRequest = matches.second }
        }
    }

    @inline(__always)
    static func hasDigits(_ bytes: UnsafeBufferPointer<UInt8>, atLeast minimum: Int) -> Bool {
        var count = 0
        for byte in bytes { count &+= ASCII.isDigit(byte) ? 1 : 0 }
        return count >= minimum
    }
}
