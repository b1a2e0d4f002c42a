import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation
import Hummingbird

/// `GET /v1/approvals`, `GET /v1/approvals/{id}?wait=N`, `POST /v1/approvals/{id}/decision`,
/// `POST /v1/approvals/{id}/consume`, `POST /v1/approvals/decisions` (a batch).
struct ApprovalsController {
    typealias Context = CountersignRequestContext
    let gateway: Gateway

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
        group.get(":id", use: show)
        group.post(":id/decision", use: decide)
        group.post(":id/consume", use: consume)
        group.post(":id/reassign", use: reassign)
        group.post("decisions", use: decideMany)
    }

    /// `{"to": {"approver": "bob"} | {"group": "finance"}, "comment": "…"}`: notifies the new
    /// target; the approval stays pending. Answers `{"approval": …, "notified": ["bob"]}`.
    @Sendable func reassign(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.jsonObject(context: context, allowed: ["to", "comment"], code: .invalidReassign)
        try body["to"]?.requireOnlyMembers(["approver", "group"], code: .invalidReassign)
        let target: Gateway.ReassignTarget
        switch (body["to"]?["approver"], body["to"]?["group"]) {
        case (.some(.string(let name)), .none) where !name.isEmpty: target = .approver(name)
        case (.none, .some(.string(let name))) where !name.isEmpty: target = .group(name)
        default:
            throw APIError(.unprocessableContent, code: .invalidReassign, #"to must be {"approver": NAME} or {"group": NAME}"#)
        }
        let comment = try Self.comment(body, code: .invalidReassign)
        let id: String = try context.parameters.require("id")
        let notified = try await gateway.reassign(approvalID: id, to: target, comment: comment, by: principal)
        let view = try await gateway.wait(approvalID: id, timeout: .zero, by: principal)
        var writer = JSONWriter(capacity: 1024)
        writer.raw("{")
        writer.member("approval")
        APIEncoding.approval(view, &writer)
        writer.member("notified")
        writer.value(.array(notified.map(JSONValue.string)))
        writer.raw("}")
        return APIEncoding.response(writer.bytes)
    }

    /// The queue, newest first, a page at a time; optionally of one status, agent, operation and risk class.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        var status: ApprovalStatus?
        if let name = query.get("status") {
            guard let value = ApprovalStatus(rawValue: name) else {
                throw APIError.invalidParameter("status", "must be one of \(ApprovalStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = value
        }
        var limit = 50
        if let text = query.get("limit") {
            guard let value = Int(text), (1...200).contains(value) else {
                throw APIError.invalidParameter("limit", "must be a whole number from 1 to 200")
            }
            limit = value
        }
        var cursor: ApprovalCursor?
        if let token = query.get("cursor") {
            guard let value = ApprovalCursor(token: token) else { throw APIError.invalidParameter("cursor", "is not a cursor this server issued") }
            cursor = value
        }
        var filter = try ApprovalFilter(query: query)
        filter.statuses = status.map { [$0] }
        let page = try await gateway.approvals(matching: filter, after: cursor, limit: limit + 1, by: principal)
        let items = Array(page.prefix(limit))
        let next = page.count > limit ? items.last.map { ApprovalCursor(createdAt: $0.approval.createdAt, id: $0.approval.id).token } : nil
        return APIEncoding.response(APIEncoding.approvals(items, nextCursor: next))
    }

    /// The approval; with `wait`, long-polls until it is decided or expires, or the wait ends.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        var wait = Duration.zero
        if let text = request.uri.queryParameters.get("wait") {
            guard let seconds = Double(text), seconds.isFinite, (0...300).contains(seconds) else {
                throw APIError.invalidParameter("wait", "must be a number of seconds from 0 to 300")
            }
            wait = .milliseconds(Int64(seconds * 1000))
        }
        let view = try await gateway.wait(approvalID: try context.parameters.require("id"), timeout: wait, by: principal)
        return APIEncoding.response(APIEncoding.approval(view))
    }

    /// `{"decision": "approve" | "reject" | "take_over", "comment": "…"}`
    @Sendable func decide(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.jsonObject(context: context, allowed: ["decision", "comment"], code: .invalidDecision)
        guard let name = body["decision"]?.stringValue, let decision = HumanDecision(rawValue: name) else {
            throw APIError(.unprocessableContent, code: .invalidDecision, "decision must be one of approve, reject, take_over")
        }
        let comment = try Self.comment(body, code: .invalidDecision)
        let view = try await gateway.decide(approvalID: try context.parameters.require("id"), decision, comment: comment, by: principal)
        return APIEncoding.response(APIEncoding.approval(view))
    }

    /// The body's `comment`: a string or null (its length is the gateway's rule, `ApproverComment`).
    static func comment(_ body: JSONValue, code: ErrorCode) throws -> String? {
        switch body["comment"] {
        case .none, .some(.null): return nil
        case .some(.string(let text)): return text
        default: throw APIError(.unprocessableContent, code: code, "comment must be a string")
        }
    }

    /// `{"binding": "<the proposal's context.binding>"}`: the proposing agent uses the approval, once.
    @Sendable func consume(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.jsonObject(context: context, allowed: ["binding"], code: .invalidBinding)
        var binding: String?
        switch body["binding"] {
        case .none, .some(.null): binding = nil
        case .some(.string(let text)) where (1...256).contains(text.utf8.count): binding = text
        default: throw APIError(.unprocessableContent, code: .invalidBinding, "binding must be a string of 1 to 256 bytes")
        }
        let view = try await gateway.consume(approvalID: try context.parameters.require("id"), binding: binding, by: principal)
        return APIEncoding.response(APIEncoding.approval(view))
    }
}
