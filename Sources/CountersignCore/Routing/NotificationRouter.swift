import Foundation

/// Chooses, for a held proposal, the chain of steps that notify approvers: the first matching
/// route (or, with none, every approver allowed to decide it), each step's approvers narrowed
/// to those whose `may_approve` allows the proposal, on the channels they can be reached by.
/// Urgent amounts (over the policy's `urgent_over`) always page by SMS and Slack; the rest never
/// go by SMS. Pure: the same inputs always give the same plan, so a timer can recompute step N.
public struct NotificationRouter: Sendable {
    /// Someone who may be notified: their rights and the channels they have an address on.
    public struct Recipient: Sendable, Hashable {
        public var name: String
        public var rights: ApproverRights
        public var channels: Set<ChannelKind>

        public init(name: String, rights: ApproverRights, channels: Set<ChannelKind>) {
            self.name = name
            self.rights = rights
            self.channels = channels
        }
    }

    /// One card to push: to whom, by which channel.
    public struct Push: Sendable, Hashable {
        public var approver: String
        public var channel: ChannelKind

        public init(approver: String, channel: ChannelKind) {
            self.approver = approver
            self.channel = channel
        }
    }

    /// A step as planned for one proposal.
    public struct PlannedStep: Sendable, Hashable {
        public var pushes: [Push]
        /// How long to wait before the next step; `nil` on the last.
        public var wait: TimeInterval?

        public init(pushes: [Push], wait: TimeInterval?) {
            self.pushes = pushes
            self.wait = wait
        }
    }

    public var routing: Routing
    public var recipients: [Recipient]
    /// Channels the server has configured; pushes go only there.
    public var enabledChannels: Set<ChannelKind>
    /// The policy's `urgent_over`, per currency (`AmountRules.limit(\.urgentOver, policyCurrency:)`).
    public var urgentOver: AmountLimit?

    public init(
        routing: Routing = Routing(), recipients: [Recipient] = [], enabledChannels: Set<ChannelKind> = [], urgentOver: AmountLimit? = nil
    ) {
        self.routing = routing
        self.recipients = recipients
        self.enabledChannels = enabledChannels
        self.urgentOver = urgentOver
    }

    /// Whether `amount` in `currency` (`nil`: the policy's) is over the policy's `urgent_over`, or
    /// in a currency it has no value for (which cannot be compared, so it pages).
    public func isUrgent(_ amount: Decimal?, currency: String? = nil) -> Bool {
        guard let urgentOver, let amount else { return false }
        return urgentOver.isExceeded(by: amount, currency: currency)
    }

    /// The steps for a held proposal by `agent`. Steps that reach nobody are left out (the chain
    /// moves straight on); an empty plan means the console and the API are the only way in.
    public func plan(riskClass: String, operation: String, amount: Decimal?, currency: String? = nil, agent: String) -> [PlannedStep] {
        let steps =
            routing.routes.first { $0.match.matches(riskClass: riskClass, operation: operation, amount: amount, currency: currency) }?.steps
            ?? [Routing.Step(approvers: recipients.map(\.name))]
        return plan(riskClass: riskClass, operation: operation, amount: amount, currency: currency, agent: agent, steps: steps)
    }

    /// The plan of given `steps` (a reassignment's single step), with the same narrowing and urgency.
    public func plan(
        riskClass: String, operation: String, amount: Decimal?, currency: String? = nil, agent: String, steps: [Routing.Step]
    ) -> [PlannedStep] {
        let urgent = isUrgent(amount, currency: currency)
        var planned: [PlannedStep] = []
        for step in steps {
            var channels = Set(step.channels)
            if urgent { channels.formUnion([.sms, .slack]) } else { channels.remove(.sms) }
            channels.formIntersection(enabledChannels)
            var names: [String] = []
            for name in step.approvers + step.groups.flatMap({ routing.groups[$0] ?? [] }) where !names.contains(name) { names.append(name) }
            var pushes: [Push] = []
            for name in names {
                guard let recipient = recipients.first(where: { $0.name == name }), recipient.name != agent,
                    recipient.rights.refusal(riskClass: riskClass, amount: amount, currency: currency) == nil
                else { continue }
                for channel in channels.intersection(recipient.channels).sorted() { pushes.append(Push(approver: name, channel: channel)) }
            }
            if pushes.isEmpty { continue }
            planned.append(PlannedStep(pushes: pushes, wait: step.wait))
        }
        if let last = planned.indices.last { planned[last].wait = nil }
        return planned
    }
}
