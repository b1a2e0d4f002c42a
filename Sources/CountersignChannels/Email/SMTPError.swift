/// Why an SMTP conversation failed: transient (4xx, connection trouble, timeouts: retry later) or
/// permanent (5xx, a server that will not do TLS when TLS is required: retrying cannot help).
/// Messages carry the server's reply text, never credentials.
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// The reply code that caused it, when the server answered.
    public var code: Int?
    public var transient: Bool

    public init(_ message: String, code: Int? = nil, transient: Bool) {
        self.message = message
        self.code = code
        self.transient = transient
    }

    /// The error for a negative reply to `command`.
    static func reply(_ reply: SMTPReply, to command: String) -> SMTPError {
        SMTPError("\(command) refused: \(reply.code) \(reply.text)", code: reply.code, transient: reply.isTransient)
    }

    public var description: String { message }
}
