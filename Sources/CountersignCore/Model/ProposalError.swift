/// Why a proposal was refused as input: a stable code and a message that names the field.
/// The message never repeats the proposal's own text.
public struct ProposalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `invalid_json`, `invalid_proposal` or `currency_mismatch`.
    public var code: ErrorCode
    public var message: String
    /// The offending field, when there is one.
    public var field: String?

    public init(code: ErrorCode, message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    static func invalid(_ field: String, _ expectation: String) -> ProposalError {
        ProposalError(code: .invalidProposal, message: "\(field) \(expectation)", field: field)
    }

    static func json(_ error: JSONError) -> ProposalError {
        ProposalError(code: .invalidJSON, message: error.description)
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
