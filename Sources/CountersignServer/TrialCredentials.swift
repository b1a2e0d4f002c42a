import CountersignStore

/// The agent key and approver token of a start with no configured credentials: made at first
/// start, shown once, and kept only as hashes.
struct TrialCredentials: Sendable {
    let agentKey: String
    let approverToken: String

    /// What the store keeps: names and hashes, never the secrets.
    var stored: [StoredCredential] {
        [
            StoredCredential(
                role: .agent, name: ServerRunner.trialAgent, hash: Authenticator.hex(Authenticator.hash(agentKey))),
            StoredCredential(
                role: .approver, name: ServerRunner.trialApprover, hash: Authenticator.hex(Authenticator.hash(approverToken))),
        ]
    }

    func keep(in store: any GatewayStore) async throws {
        for credential in stored { try await store.saveCredential(credential) }
    }

    /// The lines that show the secrets, once, with a request to try.
    func announcement(host: String, port: Int) -> String {
        let agent = ServerRunner.trialAgent
        return """
            No configuration: starting a local trial with the default policy. These credentials are shown once;
            only their hashes are kept (in the database).
              agent key (\(agent)):        \(agentKey)
              approver token (\(ServerRunner.trialApprover)): \(approverToken)
            Try: curl -H 'Authorization: Bearer \(agentKey)' -d '{"agent":"\(agent)","operation":"refund","confidence":0.9,"amount":120,"action":"Refund order A-1"}' http://\(host):\(port)/v1/proposals
            """
    }
}
