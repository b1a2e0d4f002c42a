import CountersignChannels
import CountersignCore
import CountersignGateway
import Foundation
import Hummingbird
import Logging

/// `POST /v1/channels/slack/interactions`: Slack's interactivity request URL. Authenticated by
/// Slack's request signature (not a bearer token): a forged, stale or replayed request is refused
/// with 401 before anything is read. A button click decides through the gateway as the approver
/// whose `slack_user` clicked, with their limits; the card itself is updated by the outbox once
/// the decision commits. What happened (decided, already decided, not allowed, past the deadline)
/// is answered to the clicker through the interaction's `response_url`, visible only to them.
struct SlackInteractionsController {
    typealias Context = CountersignRequestContext

    /// An approver as Slack knows them.
    struct SlackApprover: Sendable {
        var name: String
        var rights: ApproverRights
    }

    let gateway: Gateway
    let verifier: SlackRequestVerifier
    let api: SlackWebAPI
    /// Approvers by Slack user id.
    let approvers: [String: SlackApprover]
    let logger: Logger

    /// The route is always there; without `channels.slack` it answers 404 `channel_not_configured`.
    static func addRoutes(_ controller: SlackInteractionsController?, to router: Router<Context>) {
        if let controller {
            router.post("v1/channels/slack/interactions", use: controller.interaction)
        } else {
            router.post("v1/channels/slack/interactions") { _, _ -> Response in
                throw APIError(.notFound, code: .channelNotConfigured, "Slack is not configured on this server (channels.slack)")
            }
        }
    }

    static func code(_ refusal: SlackRequestVerifier.Refusal) -> ErrorCode {
        switch refusal {
        case .missingHeaders: .missingSignature
        case .stale: .staleTimestamp
        case .forged: .badSignature
        case .replayed: .replayedRequest
        }
    }

    @Sendable func interaction(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.bodyBytes(context: context)
        do {
            try verifier.verify(
                timestamp: request.headers[.init("X-Slack-Request-Timestamp")!], signature: request.headers[.init("X-Slack-Signature")!],
                body: body, now: Date())
        } catch {
            logger.warning("Slack interaction refused", metadata: ["reason": "\(error.rawValue)"])
            throw APIError(.unauthorized, code: Self.code(error), "the request is not signed by Slack (or is stale or a replay)")
        }
        guard let json = Self.payload(form: body) else {
            throw APIError(.badRequest, code: .invalidPayload, "expected a form field payload holding Slack's interaction JSON")
        }
        guard json["type"]?.stringValue == "block_actions", case .array(let actions)? = json["actions"], let action = actions.first,
            let decisionName = action["action_id"]?.stringValue, let approvalID = action["value"]?.stringValue
        else {
            // Other interaction types (shortcuts, view submissions) are not Countersign's: acknowledged, ignored.
            return Response(status: .ok)
        }
        let responseURL = json["response_url"]?.stringValue
        guard let decision = HumanDecision(rawValue: decisionName) else {
            throw APIError(.badRequest, code: .invalidAction, "unknown action_id: expected approve, reject or take_over")
        }
        guard let user = json["user"]?["id"]?.stringValue, let approver = approvers[user] else {
            await tell(responseURL, ":no_entry: Your Slack account is not linked to a Countersign approver (`slack_user`), so it cannot decide.")
            return Response(status: .ok)
        }
        let answer: String
        do {
            let view = try await gateway.decide(approvalID: approvalID, decision, comment: nil, by: .approver(approver.name, approver.rights))
            answer =
                view.approval.status == .pending
                ? ":hourglass: Your approval is recorded as the first of two; a second approver must approve."
                : "Done: you \(Self.verb(decision)) this action."
            logger.info("decided from Slack", metadata: ["approval.id": "\(approvalID)", "approver": "\(approver.name)"])
        } catch let error as GatewayError {
            answer = ":warning: Not decided: \(error.message)."
        }
        await tell(responseURL, answer)
        return Response(status: .ok)
    }

    /// An ephemeral reply to the clicker; a failure to reach Slack only loses this courtesy note.
    private func tell(_ responseURL: String?, _ text: String) async {
        guard let responseURL else { return }
        do {
            try await api.respond(
                to: responseURL,
                .object([.init("response_type", .string("ephemeral")), .init("replace_original", .bool(false)), .init("text", .string(text))]))
        } catch {
            logger.warning("could not answer a Slack interaction", metadata: ["error": "\(error)"])
        }
    }

    static func verb(_ decision: HumanDecision) -> String {
        switch decision {
        case .approve: "approved"
        case .reject: "rejected"
        case .takeOver: "took over"
        }
    }

    /// The JSON in the form body's `payload` field (`application/x-www-form-urlencoded`).
    static func payload(form body: [UInt8]) -> JSONValue? {
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == "payload" else { continue }
            guard let text = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { return nil }
            let bytes = Array(text.utf8)
            let value = try? bytes.withUnsafeBufferPointer { buffer throws(JSONError) -> JSONValue in
                var reader = JSONReader(buffer)
                let value = try reader.readValue()
                guard reader.atEnd() else { throw JSONError("unexpected data after the payload", at: reader.offset) }
                return value
            }
            guard case .object? = value else { return nil }
            return value
        }
        return nil
    }
}
