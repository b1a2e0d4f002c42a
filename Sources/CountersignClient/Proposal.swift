import Foundation

import struct CountersignCore.Money

/// One action an agent wants to take, as `POST /v1/proposals` takes it.
///
/// A proposal gets its idempotency key when it is created (a random one unless you give your
/// own), and keeps it: every retry of the same value, and every later `propose` of the same value,
/// names the same logical proposal, so the gateway creates it at most once. Make a new value (or
/// give a new key) for a new action.
public struct Proposal: Sendable, Hashable, Codable {
    /// One message of the conversation that led to the proposal.
    public struct Message: Sendable, Hashable, Codable {
        /// Who wrote it (`customer`, `user`, `agent`…); the server's default is `customer`.
        public var role: String
        /// What they wrote.
        public var text: String

        /// A message.
        public init(role: String, text: String) {
            self.role = role
            self.text = text
        }
    }

    /// Names this logical proposal across retries (scoped to the agent, at most 255 bytes).
    public var idempotencyKey: String
    /// The agent's name; must be the agent the key belongs to.
    public var agent: String
    /// The kind of action (`refund`); the gateway's policy maps it to a risk class.
    public var operation: String
    /// The agent's confidence that the action is right, 0…1.
    public var confidence: Double
    /// What the agent wants to do, in words for a human.
    public var action: String
    /// Money the action moves (exact decimal, sent as a decimal string).
    public var amount: Decimal?
    /// ISO 4217 currency of `amount`; the policy's currency when absent.
    public var currency: String?
    /// What the amount should be compared with (the order total).
    public var referenceAmount: Decimal?
    /// The end user the action affects.
    public var subject: String?
    /// Why the agent wants to do it.
    public var reasoning: String?
    /// What it changes.
    public var impact: String?
    /// The conversation.
    public var messages: [Message]?
    /// Free-form facts for the approver.
    public var context: [String: JSONValue]?
    /// The safe action when the answer is no or comes too late.
    public var fallback: String?
    /// How long the approval may wait for a human, instead of the policy's default.
    public var timeout: Duration?

    /// A proposal. `idempotencyKey` defaults to a new random key, generated once, here.
    public init(
        agent: String, operation: String, confidence: Double, action: String,
        amount: Decimal? = nil, currency: String? = nil, referenceAmount: Decimal? = nil, subject: String? = nil,
        reasoning: String? = nil, impact: String? = nil, messages: [Message]? = nil, context: [String: JSONValue]? = nil,
        fallback: String? = nil, timeout: Duration? = nil, idempotencyKey: String? = nil
    ) {
        self.idempotencyKey = idempotencyKey ?? "cs-" + UUID().uuidString.lowercased()
        self.agent = agent
        self.operation = operation
        self.confidence = confidence
        self.action = action
        self.amount = amount
        self.currency = currency
        self.referenceAmount = referenceAmount
        self.subject = subject
        self.reasoning = reasoning
        self.impact = impact
        self.messages = messages
        self.context = context
        self.fallback = fallback
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey {
        case idempotencyKey = "idempotency_key"
        case agent, operation, confidence, action, amount, currency
        case referenceAmount = "reference_amount"
        case subject, reasoning, impact, messages, context, fallback, timeout
    }

    /// Encodes the proposal as the API takes it: amounts as decimal strings, `timeout` in seconds.
    /// An amount outside the bounds the gateway accepts (``Money``: at most 18 digits before the
    /// point and 18 after, never negative or NaN) is refused here, before anything is sent.
    public func encode(to encoder: any Encoder) throws {
        for (field, value) in [("amount", amount), ("reference_amount", referenceAmount)] {
            guard let value, Money(value) == nil else { continue }
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(field) \(Money.expectation)"))
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(idempotencyKey, forKey: .idempotencyKey)
        try container.encode(agent, forKey: .agent)
        try container.encode(operation, forKey: .operation)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(action, forKey: .action)
        try container.encodeIfPresent(amount.map { $0.description }, forKey: .amount)
        try container.encodeIfPresent(currency, forKey: .currency)
        try container.encodeIfPresent(referenceAmount.map { $0.description }, forKey: .referenceAmount)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encodeIfPresent(reasoning, forKey: .reasoning)
        try container.encodeIfPresent(impact, forKey: .impact)
        try container.encodeIfPresent(messages, forKey: .messages)
        try container.encodeIfPresent(context, forKey: .context)
        try container.encodeIfPresent(fallback, forKey: .fallback)
        if let timeout {
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            try container.encode(seconds, forKey: .timeout)
        }
    }

    /// Decodes a proposal as the API returns it (amounts as numbers or strings, `timeout` in seconds).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey) ?? ""
        agent = try container.decode(String.self, forKey: .agent)
        operation = try container.decode(String.self, forKey: .operation)
        confidence = try container.decode(Double.self, forKey: .confidence)
        action = try container.decode(String.self, forKey: .action)
        amount = try Self.decimal(container, .amount)
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        referenceAmount = try Self.decimal(container, .referenceAmount)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        reasoning = try container.decodeIfPresent(String.self, forKey: .reasoning)
        impact = try container.decodeIfPresent(String.self, forKey: .impact)
        messages = try container.decodeIfPresent([Message].self, forKey: .messages)
        context = try container.decodeIfPresent([String: JSONValue].self, forKey: .context)
        fallback = try container.decodeIfPresent(String.self, forKey: .fallback)
        timeout = try container.decodeIfPresent(Double.self, forKey: .timeout).map { Duration.milliseconds(Int64(($0 * 1000).rounded())) }
    }

    /// An amount as a number or a decimal string, exact and within ``Money``'s bounds; anything
    /// else is a decoding error, never NaN or a rounded value.
    private static func decimal(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Decimal? {
        let money: Money?
        if let text = try? container.decodeIfPresent(String.self, forKey: key) {
            money = try? Money.parse(text)
        } else if let number = try container.decodeIfPresent(Decimal.self, forKey: key) {
            money = Money(number)
        } else {
            return nil
        }
        guard let money else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(key.stringValue) \(Money.expectation)")
        }
        return money.decimal
    }
}
