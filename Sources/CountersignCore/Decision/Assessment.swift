/// The part of a verdict that needs no history: the reasons of rules 1–4 (confidence, amounts,
/// sanity, the content scan), and what to read for the stateful rules. `DecisionEngine.assess`
/// makes it; `DecisionEngine.decide(_:_:history:)` finishes the verdict.
public struct Assessment: Sendable {
    /// Rules 1–4's reasons, in rule order.
    var reasons: [Reason]
    /// The level of rules 1–3 alone (the approvals-per-subject rule counts only proposals held there).
    var baseLevel: Level
    /// The subject history the stateful rules need, or `nil` when none of them can fire.
    public var historyQuery: HistoryQuery?
}
