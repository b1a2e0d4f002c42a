import CountersignCore

extension Proposal {
    /// What the proposal's approval is bound to: the string `context.binding`, e.g. the MCP proxy's
    /// hex SHA-256 of the exact call. `POST /v1/approvals/{id}/consume` must present the same.
    public var binding: String? { context?["binding"]?.stringValue }
}
