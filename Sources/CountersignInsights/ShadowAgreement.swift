import CountersignCore

/// How often the policy and the humans agreed on proposals decided in shadow mode: the evidence
/// for letting the policy decide live. The policy "lets through" at `auto` or `notify` and "holds"
/// at `approve` or `escalate`; a human approval agrees with letting through, a rejection or a
/// take-over agrees with holding.
public struct ShadowAgreement: Sendable, Hashable {
    /// The policy would have let it through and a human approved.
    public var agreedThrough = 0
    /// The policy would have let it through and a human rejected it (or took it over): an action
    /// the policy would have executed wrongly.
    public var wouldHaveExecutedRejected = 0
    /// The policy would have held it and a human approved: a hold the human found unnecessary.
    public var unnecessaryHolds = 0
    /// The policy would have held it and a human rejected it (or took it over).
    public var agreedHeld = 0
    /// Shadow proposals without a human decision yet, or that expired.
    public var undecided = 0

    public init() {}

    /// Shadow proposals with a human decision.
    public var decided: Int { agreedThrough + wouldHaveExecutedRejected + unnecessaryHolds + agreedHeld }
    public var agreed: Int { agreedThrough + agreedHeld }
    /// Every shadow proposal, decided or not.
    public var total: Int { decided + undecided }
    /// The share of decided shadow proposals where policy and human agreed; `nil` with none decided.
    public var agreementRate: Double? { decided == 0 ? nil : Double(agreed) / Double(decided) }
    /// Of the proposals the policy would have let through, the share humans rejected.
    public var wrongThroughRate: Double? {
        let through = agreedThrough + wouldHaveExecutedRejected
        return through == 0 ? nil : Double(wouldHaveExecutedRejected) / Double(through)
    }

    /// Counts one shadow proposal: the policy's level and how its approval ended (`nil` or
    /// `pending` while it waits).
    public mutating func add(policyLevel: Level, status: ApprovalStatus?) {
        let approved: Bool
        switch status {
        case .approved: approved = true
        case .rejected, .takenOver: approved = false
        case .pending, .expired, nil:
            undecided += 1
            return
        }
        switch (policyLevel.holdsForHuman, approved) {
        case (false, true): agreedThrough += 1
        case (false, false): wouldHaveExecutedRejected += 1
        case (true, true): unnecessaryHolds += 1
        case (true, false): agreedHeld += 1
        }
    }
}
