extension Verdict {
    /// Writes `"level":…,"risk_class":…,"reasons":[…]` (the members only, no braces) so callers can
    /// add their own members around them.
    public func writeMembers(to writer: inout JSONWriter) {
        writer.key("level")
        writer.string(level.rawValue)
        writer.raw(",")
        writer.key("risk_class")
        writer.string(riskClass)
        writer.raw(",")
        writer.key("reasons")
        writer.raw("[")
        for (index, reason) in reasons.enumerated() {
            if index > 0 { writer.raw(",") }
            reason.write(to: &writer)
        }
        writer.raw("]")
    }
}
