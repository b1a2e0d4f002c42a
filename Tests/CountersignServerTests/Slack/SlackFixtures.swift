import CountersignChannels
import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignSQLite
import CountersignStore
import CountersignTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

@testable import CountersignServer

enum SlackSecrets {
    static let botToken = "xoxb-test-0123456789-abcdefghij"
    static let signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let bob = "bob-token-0123456789abcd"
}

/// The real application with Slack configured against the stand-in at `slackURL`: approvers
/// alice (U0ALICE), bob (U0BOB, refunds up to 500 only) and dave (no Slack account).
func withSlackServer<Value: Sendable>(
    on kind: StoreKind = .sqlite, slackURL: String, routing: Routing = Routing(), policy: Policy = .default,
    _ test: @Sendable (any TestClientProtocol, CountersignApplication.Parts) async throws -> Value
) async throws -> Value {
    try await kind.with { store in try await withSlackServer(store: store, slackURL: slackURL, routing: routing, policy: policy, test) }
}

private func withSlackServer<Value: Sendable>(
    store: any GatewayStore, slackURL: String, routing: Routing, policy: Policy,
    _ test: @Sendable (any TestClientProtocol, CountersignApplication.Parts) async throws -> Value
) async throws -> Value {
    var configuration = ServerConfiguration(policy: policy)
    configuration.http.port = 0
    configuration.approvers = [
        .init(name: "alice", token: Secret(Secrets.alice), slackUser: "U0ALICE"),
        .init(
            name: "bob", token: Secret(SlackSecrets.bob), slackUser: "U0BOB",
            rights: ApproverRights(maxAmount: AmountLimit(500, policyCurrency: "USD"))),
        .init(name: "dave", token: Secret(Secrets.dave), email: "dave@example.com"),
    ]
    configuration.channels.slack = .init(
        botToken: Secret(SlackSecrets.botToken), signingSecret: Secret(SlackSecrets.signingSecret), apiURL: slackURL + "/api")
    configuration.routing = routing
    let credentials: [Authenticator.Credential] =
        [.init(secret: Secrets.agent, principal: .agent("support-bot"))]
        + configuration.approvers.map { .init(secret: $0.token, principal: .approver($0.name, $0.rights)) }
    let (application, parts) = try CountersignApplication.build(
        configuration: configuration, store: store, credentials: credentials,
        outbox: .init(maximumAttempts: 5, initialDelay: 0.05, maximumDelay: 0.2, lease: 5))
    return try await application.test(.live) { client in try await test(client, parts) }
}

/// A refund with a currency and reasoning, held for approval.
func slackRefundJSON(amount: Int = 120, key: String = UUID().uuidString) -> String {
    #"{"idempotency_key":"\#(key)","agent":"support-bot","operation":"refund","confidence":0.9,"amount":\#(amount),"currency":"USD","subject":"customer-7","action":"Refund order A-7 <@channel>","reasoning":"The parcel arrived damaged","fallback":"Tell the customer a specialist will follow up"}"#
}

/// A Slack `block_actions` interaction as Slack sends it: a form body with a `payload` field, signed.
struct SlackClick {
    var user: String
    var action: String
    var approvalID: String
    var responseURL: String
    var timestamp = Int(Date().timeIntervalSince1970)
    var secret = SlackSecrets.signingSecret

    var body: String {
        let payload: [String: Any] = [
            "type": "block_actions", "user": ["id": user, "username": "someone", "team_id": "T0001"], "api_app_id": "A0001",
            "token": "deprecated-verification-token", "container": ["type": "message", "message_ts": "1700000000.000001"],
            "trigger_id": "123.456.abc", "team": ["id": "T0001", "domain": "example"], "response_url": responseURL,
            "actions": [
                [
                    "action_id": action, "block_id": "countersign", "text": ["type": "plain_text", "text": "Approve"], "value": approvalID,
                    "type": "button",
                ]
            ],
        ]
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "payload=" + json.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    var headers: HTTPFields {
        let body = Array(self.body.utf8)
        return [
            .contentType: "application/x-www-form-urlencoded",
            HTTPField.Name("X-Slack-Request-Timestamp")!: String(timestamp),
            HTTPField.Name("X-Slack-Signature")!: SlackRequestVerifier.signature(secret: secret, timestamp: String(timestamp), body: body),
        ]
    }
}

extension TestClientProtocol {
    /// Sends a click with the given headers; returns the status and the JSON error code, if any.
    func click(_ click: SlackClick, headers: HTTPFields? = nil) async throws -> (status: HTTPResponse.Status, code: String?) {
        try await execute(
            uri: "/v1/channels/slack/interactions", method: .post, headers: headers ?? click.headers, body: ByteBuffer(string: click.body)
        ) { response in
            let json = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
            return (response.status, json.errorCode)
        }
    }
}

/// Flattens every `text` inside a Block Kit JSON value, for assertions on what a card says.
func allText(_ value: Any?) -> String {
    switch value {
    case let text as String: return text
    case let list as [Any]: return list.map(allText).joined(separator: "\n")
    case let object as [String: Any]: return object.keys.sorted().map { allText(object[$0]) }.joined(separator: "\n")
    default: return ""
    }
}
