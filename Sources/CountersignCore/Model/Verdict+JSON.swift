extension Verdict {
    /// Writes `"level":…,"policy_level":…,"risk_class":…,"reasons":[…]` (the members only, no
    /// braces) so callers can add their own members around them. `policy_level` appears only in
    /// shadow mode.
    public func writeMembers(to writer: inout JSONWriter) {
        writer.member("level", level.rawValue)
        if let policyLevel { writer.member("policy_level", policyLevel.rawValue) }
        writer.member("risk_class", riskClass)
        writer.member("reasons")
        writer.raw("[")
        for reason in reasons {
            writer.separate()
            reason.write(to: &writer)
        }
        writer.raw("]")
    }
}
