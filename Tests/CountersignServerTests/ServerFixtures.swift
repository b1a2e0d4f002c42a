import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Secrets of the test principals.
enum Secrets {
    static let agent = "test-agent-key-0123456789"
    static let otherAgent = "other-agent-key-0123456789"
    static let alice = "alice-token-0123456789"
    static let limited = "limited-token-0123456789"
    static let dave = "dave-token-0123456789"
    /// An approver who is also the agent `support-bot`.
    static let selfApprover = "self-approver-token-0123456789"
}

/// Builds the real application on a fresh store (a SQLite file unless told) and runs `test`
/// against it over real HTTP.
func withServer<Value: Sendable>(
    on kind: StoreKind = .sqlite, policy: Policy = .default,
    _ test: @Sendable (any TestClientProtocol, CountersignApplication.Parts) async throws -> Value
) async throws -> Value {
    try await kind.with { store in try await withServer(store: store, policy: policy, test) }
}

private func withServer<Value: Sendable>(
    store: any GatewayStore, policy: Policy, _ test: @Sendable (any TestClientProtocol, CountersignApplication.Parts) async throws -> Value
) async throws -> Value {
    var configuration = ServerConfiguration(policy: policy)
    configuration.http.port = 0
    let credentials: [Authenticator.Credential] = [
        .init(secret: Secrets.agent, principal: .agent("support-bot")),
        .init(secret: Secrets.otherAgent, principal: .agent("billing-bot")),
        .init(secret: Secrets.alice, principal: .approver("alice", .unlimited)),
        .init(secret: Secrets.limited, principal: .approver("carol", ApproverRights(riskClasses: ["read_only"]))),
        .init(secret: Secrets.dave, principal: .approver("dave", .unlimited)),
        .init(secret: Secrets.selfApprover, principal: .approver("support-bot", .unlimited)),
    ]
    let (application, parts) = try CountersignApplication.build(configuration: configuration, store: store, credentials: credentials)
    return try await application.test(.live) { client in try await test(client, parts) }
}

extension TestClientProtocol {
    /// Sends JSON (or raw text) with a bearer secret and returns the status and the parsed body.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, secret: String? = nil, body: String? = nil
    ) async throws -> (status: HTTPResponse.Status, json: [String: Any], headers: HTTPFields) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let secret { headers[.authorization] = "Bearer \(secret)" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let data = Data(response.body.readableBytesView)
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return (response.status, json, response.headers)
        }
    }
}

/// A refund held for approval, as JSON.
func heldRefundJSON(key: String = UUID().uuidString, amount: Int = 120, agent: String = "support-bot", timeout: String? = nil) -> String {
    let timeoutMember = timeout.map { #","timeout":"\#($0)""# } ?? ""
    return
        #"{"idempotency_key":"\#(key)","agent":"\#(agent)","operation":"refund","confidence":0.9,"amount":\#(amount),"subject":"c-1","action":"Refund order A-1"\#(timeoutMember)}"#
}

extension Dictionary where Key == String, Value == Any {
    var errorCode: String? { (self["error"] as? [String: Any])?["code"] as? String }
    subscript(path first: String, _ second: String) -> Any? { (self[first] as? [String: Any])?[second] }
}
