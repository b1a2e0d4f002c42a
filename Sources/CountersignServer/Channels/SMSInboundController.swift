import CountersignChannels
import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation
import HTTPTypes
import Hummingbird

/// Twilio's inbound SMS webhook, `POST /v1/channels/sms/inbound`: verifies `X-Twilio-Signature`
/// (403 and nothing decided when it is wrong), handles each `MessageSid` once (kept by the store:
/// a captured request replayed later, or sent to another replica, decides nothing), maps the
/// sender's `From` number to an approver by `phone`, and decides "Y/N/M <code>" through the
/// gateway as that approver, for the one approval that code was sent to that approver for. The
/// answer is TwiML that Twilio texts back: what happened, or why nothing did.
struct SMSInboundController {
    typealias Context = CountersignRequestContext
    let gateway: Gateway
    /// `nil` when SMS is not configured (the route then answers 404).
    let setup: Setup?

    /// What the webhook needs from the configuration.
    struct Setup: Sendable {
        let signature: TwilioSignature
        /// The URL Twilio is configured to call: `{public_url}/v1/channels/sms/inbound`.
        let webhookURL: String
        /// Approvers by phone number.
        let approvers: [String: (name: String, rights: ApproverRights)]

        init(_ sms: ServerConfiguration.SMSChannel, publicURL: String, approvers: [ServerConfiguration.Approver]) {
            signature = TwilioSignature(authToken: sms.authToken.revealed)
            var base = publicURL
            while base.hasSuffix("/") { base.removeLast() }
            webhookURL = base + "/v1/channels/sms/inbound"
            var byPhone: [String: (name: String, rights: ApproverRights)] = [:]
            for approver in approvers { if let phone = approver.phone { byPhone[phone] = (approver.name, approver.rights) } }
            self.approvers = byPhone
        }
    }

    func addRoutes(to router: Router<Context>) {
        router.post("v1/channels/sms/inbound", use: inbound)
    }

    @Sendable func inbound(_ request: Request, context: Context) async throws -> Response {
        guard let setup else { throw APIError(.notFound, code: .notFound, "SMS is not configured on this server") }
        let parameters = Self.formPairs(try await request.bodyBytes(context: context))
        let query = request.uri.query.map { "?" + $0 } ?? ""
        guard let header = request.headers[HTTPField.Name("X-Twilio-Signature")!],
            setup.signature.isValid(header, url: setup.webhookURL + query, parameters: parameters)
        else {
            throw APIError(.forbidden, code: .invalidSignature, "X-Twilio-Signature does not match this request")
        }
        let fields = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let messageID = fields["MessageSid"] ?? fields["SmsMessageSid"], !messageID.isEmpty else {
            return Self.twiML("This message has no MessageSid; nothing was decided.")
        }
        guard let from = fields["From"], let approver = setup.approvers[from] else {
            return Self.twiML("This number is not an approver's number in Countersign; nothing was decided.")
        }
        guard let reply = SMSReply(fields["Body"] ?? "") else {
            return Self.twiML(
                "Reply Y, N or M with the \(SMSCode.length)-digit code of the approval, e.g. \"Y 482113\" to approve, \"N 482113\" to reject, \"M 482113\" to take over."
            )
        }
        guard try await gateway.claimInboundSMS(messageID: messageID) else {
            return Self.twiML("This message was handled before; nothing more was decided.")
        }
        return Self.twiML(try await answer(reply, approver: approver.name, rights: approver.rights))
    }

    /// Decides the approval the code was sent to this approver for, or says why it cannot.
    func answer(_ reply: SMSReply, approver: String, rights: ApproverRights) async throws -> String {
        let principal = Principal.approver(approver, rights)
        let unknown = "No approval of yours has code \(reply.code); nothing was decided."
        guard let approvalID = try await gateway.approvalID(smsCode: reply.code, approver: approver) else { return unknown }
        let view: ApprovalView
        do {
            view = try await gateway.wait(approvalID: approvalID, timeout: .zero, by: principal)
        } catch let error as GatewayError {
            return "Not decided: \(error.message)."
        }
        guard view.approval.status == .pending else {
            return "Nothing changed: " + SMSChannel.decided(view).dropFirst("Countersign: ".count)
        }
        let action = "\"" + SMSChannel.shorten(view.proposal.proposal.action, to: 90) + "\""
        do {
            let result = try await gateway.decide(approvalID: view.approval.id, reply.decision, comment: "by SMS", by: principal)
            if result.approval.status == .pending { return "First approval recorded for \(action); a second approver must approve." }
            return SMSChannel.decided(result).replacingOccurrences(of: "Countersign: ", with: "Done: ")
        } catch let error as GatewayError {
            return "Not decided (\(action)): \(error.message)."
        }
    }

    /// Every `name=value` pair of a form body, in order (Twilio signs them all).
    static func formPairs(_ bytes: [UInt8]) -> [(name: String, value: String)] {
        String(decoding: bytes, as: UTF8.self).split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? { text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
    }

    /// `<Response><Message>…</Message></Response>`
    static func twiML(_ message: String) -> Response {
        let text = #"<?xml version="1.0" encoding="UTF-8"?><Response><Message>\#(EmailCard.escape(message))</Message></Response>"#
        return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
