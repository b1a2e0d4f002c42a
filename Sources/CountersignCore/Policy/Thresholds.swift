/// Confidence thresholds of one risk class: `confidence >= auto` executes, `>= notify` executes
/// and notifies, `>= approve` waits for a human, anything lower escalates.
public struct Thresholds: Sendable, Hashable {
    public var auto: Double
    public var notify: Double
    public var approve: Double

    public init(auto: Double, notify: Double, approve: Double) {
        self.auto = auto
        self.notify = notify
        self.approve = approve
    }

    /// The level the confidence alone earns (`>=` at every boundary).
    public func level(for confidence: Double) -> Level {
        if confidence >= auto { return .auto }
        if confidence >= notify { return .notify }
        if confidence >= approve { return .approve }
        return .escalate
    }

    /// Why these thresholds are unusable, or `nil` when they are fine.
    public var problem: String? {
        for (name, value) in [("auto", auto), ("notify", notify), ("approve", approve)] where !(0...1).contains(value) {
            return "threshold \(name) must be between 0 and 1, got \(value)"
        }
        if !(auto >= notify && notify >= approve) {
            return "thresholds must satisfy auto >= notify >= approve, got auto \(auto), notify \(notify), approve \(approve)"
        }
        return nil
    }
}
