import CountersignCore
import Foundation
import Testing

/// Whole-word, case-insensitive phrases: requests for a human (customer messages only) and legal
/// matters (any text).
@Suite("Phrase matcher, human requests and legal matters")
struct PhraseMatcherTests {
    static let human = PhraseMatcher(phrases: Policy.defaultHumanRequestPhrases)
    static let legal = PhraseMatcher(phrases: Policy.defaultLegalPhrases)

    @Test(
        "human requests in text",
        arguments: [
            ("Can I TALK TO A HUMAN?", "talk to a human"),
            ("can i talk to a human", "talk to a human"),
            ("I want to talk   to\na\thuman please", "talk to a human"),
            ("Talk\r\nto a human.", "talk to a human"),
            ("Please let me speak with someone!", "speak with someone"),
            ("Is this a real person?", "real person"),
            ("get me a REPRESENTATIVE", "representative"),
            ("Ich will… talk to a human…", "talk to a human"),
            ("(talk to a human)", "talk to a human"),
            ("you're not a bot, are you", "not a bot"),
        ] as [(String, String)])
    func humanMatches(text: String, phrase: String) {
        #expect(Self.human.firstMatch(in: text) == phrase)
    }

    @Test(
        "near misses are not requests for a human",
        arguments: [
            "Please add a human-readable label",
            "humanity is great",
            "I can talk to a humanoid robot",
            "talk to a human_agent",
            "the unreal person",
            "surreal humans",
            "representatives were helpful",
            "supervisors",
            "talk to ahuman",
            "talk-to-a-human",
            "",
        ])
    func humanMisses(text: String) {
        #expect(Self.human.firstMatch(in: text) == nil)
    }

    @Test(
        "legal phrases, whole words only",
        arguments: [
            ("I will sue you", "sue" as String?),
            ("I WILL SUE", "sue"),
            ("sue.", "sue"),
            ("This is an issue", nil),
            ("I will pursue a refund", nil),
            ("nice suede shoes", nil),
            ("ensue", nil),
            ("my lawyer will call", "lawyer"),
            ("lawyers", nil),
            ("a lawsuit is coming", "lawsuit"),
            ("see you in court", "court"),
            ("courtesy call", nil),
            ("GDPR request", "gdpr"),
            ("a cease   and\n desist letter", "cease and desist"),
            ("we are suing", "suing"),
            ("pursuing a refund", nil),
        ] as [(String, String?)])
    func legalMatches(text: String, phrase: String?) {
        #expect(Self.legal.firstMatch(in: text) == phrase)
    }

    @Test("the first phrase in the text wins")
    func firstInText() {
        #expect(Self.legal.firstMatch(in: "I'll sue, says my attorney") == "sue")
        #expect(Self.legal.firstMatch(in: "my attorney says I'll sue") == "attorney")
    }

    @Test("phrases are normalised: lowercased, whitespace collapsed, empty ones dropped")
    func normalisation() {
        let matcher = PhraseMatcher(phrases: ["  Escalate   THIS  ", "", "   ", "Chargeback"])
        #expect(matcher.phrases == ["escalate this", "chargeback"])
        #expect(matcher.firstMatch(in: "please ESCALATE\tthis now") == "escalate this")
        #expect(matcher.firstMatch(in: "a CHARGEBACK was filed") == "chargeback")
        #expect(matcher.firstMatch(in: "chargebacks") == nil)
        #expect(PhraseMatcher(phrases: []).isEmpty)
        #expect(PhraseMatcher(phrases: ["", " \n "]).isEmpty)
        #expect(PhraseMatcher(phrases: ["", " \n "]).firstMatch(in: "anything") == nil)
    }

    @Test("non-ASCII phrases match case-insensitively and whole-word")
    func nonASCII() {
        let matcher = PhraseMatcher(phrases: ["Rechtsanwältin", "Ärger"])
        #expect(matcher.firstMatch(in: "Meine RECHTSANWÄLTIN sagt nein") == "rechtsanwältin")
        #expect(matcher.firstMatch(in: "viel ÄRGER hier") == "ärger")
        #expect(matcher.firstMatch(in: "die Rechtsanwältinnen") == nil)
        #expect(matcher.firstMatch(in: "Verärgert") == nil)
        let ascii = PhraseMatcher(phrases: ["human"])
        #expect(ascii.firstMatch(in: "un humano") == nil)
        #expect(ascii.firstMatch(in: "ça, human!") == "human")
        #expect(ascii.firstMatch(in: "éhuman") == nil)
    }

    // MARK: In the engine

    static func verdict(_ proposal: Proposal, policy: Policy = .default) -> Verdict {
        DecisionEngine(policy: policy).decide(proposal)
    }

    @Test(
        "a human request counts only in messages of the customer (role customer or user)",
        arguments: [
            ("customer", true), ("user", true), ("agent", false), ("assistant", false), ("staff", false),
        ])
    func humanRequestRoles(role: String, fires: Bool) {
        let proposal = makeProposal(
            operation: "lookup_order", confidence: 1.0, action: "Look up the order",
            messages: [Message(role: "agent", text: "Hello"), Message(role: role, text: "Can I talk to a human?")])
        let verdict = Self.verdict(proposal)
        #expect(verdict.codes == (fires ? ["human_request"] : []))
        #expect(verdict.level == (fires ? .escalate : .auto))
    }

    @Test("a human request in the action, reasoning or context is the agent's text, not the customer's")
    func humanRequestOutsideMessages() {
        let proposals = [
            makeProposal(action: "Talk to a human about it"),
            makeProposal(reasoning: "The customer might want to talk to a human"),
            makeProposal(impact: "none; not a bot issue"),
            makeProposal(fallback: "Offer to talk to a human"),
            makeProposal(context: .object([JSONMember("summary", .string("customer: talk to a human"))])),
        ]
        for proposal in proposals {
            #expect(!Self.verdict(proposal).codes.contains("human_request"))
        }
    }

    @Test("a message decoded without a role is the customer's")
    func defaultRole() throws {
        let proposal = try decodeProposal(
            #"{"agent":"a","operation":"lookup_order","confidence":1,"action":"x","messages":[{"text":"I need a live agent"}]}"#)
        #expect(proposal.messages.first?.role == "customer")
        #expect(Self.verdict(proposal).codes == ["human_request"])
    }

    @Test("the human-request reason quotes the phrase")
    func humanReason() throws {
        let verdict = Self.verdict(makeProposal(messages: [Message(role: "customer", text: "GET ME A SUPERVISOR")]))
        let reason = try #require(verdict.reasons.first)
        #expect(reason.code == "human_request")
        #expect(reason.level == .escalate)
        #expect(reason.detail.contains("supervisor"))
    }

    @Test("legal matters count in any text of the proposal")
    func legalAnywhere() {
        let proposals = [
            makeProposal(action: "Refund before they sue"),
            makeProposal(reasoning: "They mentioned a lawsuit"),
            makeProposal(impact: "Avoids small claims court"),
            makeProposal(fallback: "Forward to the data protection officer"),
            makeProposal(messages: [Message(role: "agent", text: "This may involve litigation")]),
            makeProposal(messages: [Message(role: "customer", text: "My LAWYER is watching")]),
            makeProposal(
                context: .object([JSONMember("notes", .array([.string("fine"), .object([JSONMember("deep", .string("we got a subpoena"))])]))])),
        ]
        for proposal in proposals {
            let verdict = Self.verdict(proposal)
            #expect(verdict.codes == ["legal"], "\(proposal)")
            #expect(verdict.level == .escalate)
        }
    }

    @Test("legal phrases in context keys or inside other words do not count")
    func legalNearMisses() {
        #expect(Self.verdict(makeProposal(context: .object([JSONMember("lawyer", .string("n/a"))]))).reasons.isEmpty)
        #expect(Self.verdict(makeProposal(action: "Resolve the issue and pursue the refund")).reasons.isEmpty)
    }

    @Test("custom phrase lists from the policy replace the defaults; empty lists turn the rules off")
    func customPhrases() {
        var policy = Policy.default
        policy.escalation.humanRequestPhrases = ["operator please"]
        policy.escalation.legalPhrases = ["chargeback"]
        let custom = makeProposal(action: "Refund", messages: [Message(role: "customer", text: "OPERATOR   please! chargeback incoming")])
        #expect(Self.verdict(custom, policy: policy).codes == ["human_request", "legal"])
        let defaults = makeProposal(action: "Refund", messages: [Message(role: "customer", text: "talk to a human or I sue")])
        #expect(Self.verdict(defaults, policy: policy).reasons.isEmpty)
        #expect(Self.verdict(defaults).codes == ["human_request", "legal"])

        policy.escalation.humanRequestPhrases = []
        policy.escalation.legalPhrases = []
        #expect(Self.verdict(custom, policy: policy).reasons.isEmpty)
    }
}
