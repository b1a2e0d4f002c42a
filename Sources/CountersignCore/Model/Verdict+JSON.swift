extension Verdict {
    /// Writes `"level":…,"risk_class":…,"reasons":[…]` (the members only, no braces) so callers can
    /// add their own members around them.
    public func writeMembers(to writer: inout JSONWriter) {
        writer.member("level", level.rawValue)
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
