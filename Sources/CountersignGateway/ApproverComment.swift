import CountersignCore

/// The one rule for what an approver may write beside a decision or a reassignment, whichever
/// door it comes through (API, console, email, Slack, SMS): at most `maximumScalars` Unicode
/// scalars (a count a combining-mark pile cannot shrink, as a count of `Character`s can); blank
/// is no comment. Too long is refused, never cut.
public enum ApproverComment {
    public static let maximumScalars = 2000

    /// The comment as stored: `nil` for none or blank text; refused with `code` when too long.
    public static func validated(_ text: String?, code: ErrorCode) throws(GatewayError) -> String? {
        guard let text, !text.unicodeScalars.allSatisfy(\.properties.isWhitespace) else { return nil }
        guard text.unicodeScalars.count <= maximumScalars else {
            throw GatewayError(.invalid, code: code, "comment must be at most \(maximumScalars) characters (Unicode code points)")
        }
        return text
    }
}
