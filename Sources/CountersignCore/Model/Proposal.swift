import Foundation

/// One action an agent wants to take, with its confidence and context (CONTRACT §3).
public struct Proposal: Sendable, Hashable {
    /// The agent's own key for this proposal; the same key from the same agent means the same proposal.
    public var idempotencyKey: String?
    /// The proposing agent's name.
    public var agent: String
    /// The kind of action (`refund`); the policy maps it to a risk class.
    public var operation: String
    /// The agent's confidence, 0…1.
    public var confidence: Double
    /// The money the action moves, if any, never negative.
    public var amount: Decimal? {
        get { amountValue?.decimal }
        set { amountValue = newValue.map(ExactDecimal.init) }
    }
    /// The currency of `amount` and `referenceAmount` (ISO 4217); the policy's when absent.
    public var currency: String?
    /// What the amount should be compared with (the order total of a refund).
    public var referenceAmount: Decimal? {
        get { referenceValue?.decimal }
        set { referenceValue = newValue.map(ExactDecimal.init) }
    }
    /// `amount` and `referenceAmount` as the rules compare them. Decoded proposals hold only
    /// accepted ``Money``; a `Decimal` set from Swift code may be outside the bounds (or NaN),
    /// which `DecisionEngine.validate` refuses before anything is stored.
    var amountValue: ExactDecimal?
    var referenceValue: ExactDecimal?

    /// `amount` as accepted money; `nil` when there is none or it is outside ``Money``'s bounds.
    public var money: Money? { amountValue.flatMap(Money.init(accepting:)) }
    /// `referenceAmount` as accepted money; `nil` when there is none or it is outside the bounds.
    public var referenceMoney: Money? { referenceValue.flatMap(Money.init(accepting:)) }

    /// The first amount field holding a value outside ``Money``'s bounds (`amount` or `reference_amount`).
    public var unacceptedAmountField: String? {
        if amountValue != nil, money == nil { return "amount" }
        if referenceValue != nil, referenceMoney == nil { return "reference_amount" }
        return nil
    }
    /// The end user the action affects.
    public var subject: String?
    /// What the agent wants to do, in one line for a human.
    public var action: String
    /// Why the agent wants to do it.
    public var reasoning: String?
    /// What changes if it is done.
    public var impact: String?
    /// The conversation that led here.
    public var messages: [Message]
    /// Free-form facts for the approver.
    public var context: JSONValue?
    /// The safe action to take when the answer is no or no answer comes.
    public var fallback: String?
    /// When the proposal was made; honoured offline only (the server uses its own clock).
    public var at: Date?
    /// Seconds the approval may wait for a human, overriding the policy's timeout within its limits.
    public var timeoutSeconds: Double?
    /// Where to send the signed result when the approval ends (instead of the agent's configured webhook).
    public var callbackURL: String?

    public init(
        idempotencyKey: String? = nil, agent: String, operation: String, confidence: Double, amount: Decimal? = nil,
        currency: String? = nil, referenceAmount: Decimal? = nil, subject: String? = nil, action: String, reasoning: String? = nil,
        impact: String? = nil, messages: [Message] = [], context: JSONValue? = nil, fallback: String? = nil, at: Date? = nil,
        timeoutSeconds: Double? = nil, callbackURL: String? = nil
    ) {
        self.idempotencyKey = idempotencyKey
        self.agent = agent
        self.operation = operation
        self.confidence = confidence
        self.amountValue = amount.map(ExactDecimal.init)
        self.currency = currency
        self.referenceValue = referenceAmount.map(ExactDecimal.init)
        self.subject = subject
        self.action = action
        self.reasoning = reasoning
        self.impact = impact
        self.messages = messages
        self.context = context
        self.fallback = fallback
        self.at = at
        self.timeoutSeconds = timeoutSeconds
        self.callbackURL = callbackURL
    }

    /// Calls `body` with every free text of the proposal that a detector should read (action,
    /// reasoning, impact, fallback and every string inside `context`) and `messages` with each message.
    public func forEachText(_ body: (String) -> Void, messages: (Message) -> Void) {
        body(action)
        if let reasoning { body(reasoning) }
        if let impact { body(impact) }
        if let fallback { body(fallback) }
        for message in self.messages { messages(message) }
        context?.forEachString(body)
    }

    /// Calls `body` with every free text of the proposal, messages included.
    public func forEachText(_ body: (String) -> Void) {
        forEachText(body) { body($0.text) }
    }
}
