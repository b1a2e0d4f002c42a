/// One message of the conversation that led to a proposal.
public struct Message: Sendable, Hashable {
    /// Who wrote it: `customer` (or `user`) for the end user, anything else for agents and staff.
    public var role: String
    /// The message text.
    public var text: String

    public init(role: String, text: String) {
        self.role = role
        self.text = text
    }

    /// Whether the end user wrote this message (roles `customer` and `user`).
    public var isFromCustomer: Bool {
        role == "customer" || role == "user"
    }
}
