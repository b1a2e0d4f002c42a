/// What the policy decided about a proposal: a level and every reason that fired.
public struct Verdict: Sendable, Hashable {
    /// The most severe level of all reasons, `auto` when none fired.
    public var level: Level
    /// The risk class the policy gave the operation.
    public var riskClass: String
    /// Every rule that fired, in the order of CONTRACT §2.
    public var reasons: [Reason]
    /// The level rules 1–3 alone (confidence, amount, sanity) would give: what the per-subject
    /// approval count uses to know whether a proposal "triggered an approval".
    public var baseLevel: Level
    /// In shadow mode, the level the policy itself chose (while `level` holds the proposal for a
    /// human); `nil` when the policy decided live.
    public var policyLevel: Level?

    public init(level: Level, riskClass: String, reasons: [Reason], baseLevel: Level, policyLevel: Level? = nil) {
        self.level = level
        self.riskClass = riskClass
        self.reasons = reasons
        self.baseLevel = baseLevel
        self.policyLevel = policyLevel
    }

    /// Whether the proposal was decided in shadow mode.
    public var isShadow: Bool { policyLevel != nil }
}
