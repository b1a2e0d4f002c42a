import Foundation

/// The `routing:` section of the server configuration: who is asked about a held proposal, on
/// which channels, and who next when nobody answers in time; plus the fatigue controls.
public struct Routing: Sendable, Hashable {
    /// Named groups of approvers.
    public var groups: [String: [String]]
    /// Tried in order; the first that matches wins. None matching: every approver who may decide it.
    public var routes: [Route]
    /// Where `notify`-level proposals are summarised instead of pushed one by one.
    public var digest: Digest
    /// Limits on pushes per approver.
    public var caps: Caps

    public init(groups: [String: [String]] = [:], routes: [Route] = [], digest: Digest = Digest(), caps: Caps = Caps()) {
        self.groups = groups
        self.routes = routes
        self.digest = digest
        self.caps = caps
    }

    /// One rule: what it matches and the escalation chain it starts.
    public struct Route: Sendable, Hashable {
        public var match: Match
        public var steps: [Step]

        public init(match: Match = Match(), steps: [Step]) {
            self.match = match
            self.steps = steps
        }
    }

    /// Conditions that must all hold; an absent condition matches anything.
    public struct Match: Sendable, Hashable {
        public var riskClasses: Set<String>?
        public var operations: Set<String>?
        /// Matches amounts strictly greater than this in their currency, and amounts in a
        /// currency it names no value for (they cannot be compared; the bigger-amount route is
        /// the stricter one). No amount never matches.
        public var amountOver: AmountLimit?

        public init(riskClasses: Set<String>? = nil, operations: Set<String>? = nil, amountOver: AmountLimit? = nil) {
            self.riskClasses = riskClasses
            self.operations = operations
            self.amountOver = amountOver
        }

        /// Whether a proposal of `operation` in `riskClass` moving `amount` in `currency` (`nil`:
        /// the policy's) matches.
        public func matches(riskClass: String, operation: String, amount: Decimal?, currency: String? = nil) -> Bool {
            if let riskClasses, !riskClasses.contains(riskClass) { return false }
            if let operations, !operations.contains(operation) { return false }
            if let amountOver {
                guard let amount, amountOver.isExceeded(by: amount, currency: currency) else { return false }
            }
            return true
        }
    }

    /// One step of a chain: whom to ask, on which channels, and how long to wait for an answer
    /// before the next step is asked too.
    public struct Step: Sendable, Hashable {
        public var groups: [String]
        public var approvers: [String]
        public var channels: [ChannelKind]
        /// `nil` on the last step: the approval's deadline ends it.
        public var wait: TimeInterval?

        public init(groups: [String] = [], approvers: [String] = [], channels: [ChannelKind] = ChannelKind.allCases, wait: TimeInterval? = nil) {
            self.groups = groups
            self.approvers = approvers
            self.channels = channels
            self.wait = wait
        }
    }

    /// `digest: {every: 1h, channels: [email]}`
    public struct Digest: Sendable, Hashable {
        public var every: TimeInterval
        public var channels: [ChannelKind]

        public init(every: TimeInterval = 3600, channels: [ChannelKind] = [.email]) {
            self.every = every
            self.channels = channels
        }
    }

    /// `caps: {pushes_per_hour: 20}`
    public struct Caps: Sendable, Hashable {
        public var pushesPerHour: Int?

        public init(pushesPerHour: Int? = nil) { self.pushesPerHour = pushesPerHour }
    }
}
