import CountersignCore
import CountersignGateway
import CountersignStore
import Hummingbird
import Logging

/// `POST /v1/approvals/decisions`: up to 100 decisions in one request. Each item goes through the
/// same door as a single decision (`Gateway.decide`: rights, four eyes, offered decisions, the
/// comment rule, its own transaction and audit entry), so an item is applied whole or not at all,
/// and one refused item never stops the others. The answer lists every item's result, in order.
extension ApprovalsController {
    static let batchLimit = 100

    /// One item as read from the body: what to decide, or why it cannot be.
    enum BatchItem {
        case decide(id: String, HumanDecision, comment: String?)
        case refused(id: String?, APIError)
    }

    @Sendable func decideMany(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard case .approver = principal else {
            throw APIError(.forbidden, code: .approversOnly, "an agent key can never decide an approval")
        }
        let body = try await request.jsonObject(context: context, allowed: ["items"], code: .invalidDecision)
        guard case .array(let values)? = body["items"], (1...Self.batchLimit).contains(values.count) else {
            throw APIError(
                .unprocessableContent, code: .invalidDecision, "items must be a list of 1 to \(Self.batchLimit) {id, decision, comment} objects")
        }
        let items = values.map(Self.item)
        let gateway = gateway
        let logger = context.logger
        // Concurrently: the store's group commit takes them in as few transactions as it can,
        // each item still its own decision. Each child writes its own item's JSON.
        let written = await withTaskGroup(of: (index: Int, json: [UInt8], decided: Bool).self) { group in
            for (index, item) in items.enumerated() {
                group.addTask {
                    var writer = JSONWriter(capacity: 1024)
                    var decided = false
                    switch item {
                    case .refused(let id, let error):
                        Self.writeItem(id: id, error: error, &writer)
                    case .decide(let id, let decision, let comment):
                        do {
                            let view = try await gateway.decide(approvalID: id, decision, comment: comment, by: principal)
                            Self.writeItem(id: id, view: view, &writer)
                            decided = true
                        } catch {
                            Self.writeItem(id: id, error: Self.itemError(error, id: id, logger: logger), &writer)
                        }
                    }
                    return (index, writer.bytes, decided)
                }
            }
            var written = [(json: [UInt8], decided: Bool)](repeating: ([], false), count: items.count)
            for await result in group { written[result.index] = (result.json, result.decided) }
            return written
        }
        var writer = JSONWriter(capacity: written.reduce(64) { $0 + $1.json.count + 1 })
        writer.raw("{\"results\":[")
        for (index, item) in written.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.bytes.append(contentsOf: item.json)
        }
        writer.raw("]")
        let decided = written.filter(\.decided).count
        writer.member("decided", decided)
        writer.member("refused", items.count - decided)
        writer.raw("}")
        return APIEncoding.response(writer.bytes)
    }

    /// `{"id", "status": 200, "approval"}`
    static func writeItem(id: String, view: ApprovalView, _ writer: inout JSONWriter) {
        writer.raw("{")
        writer.member("id", id)
        writer.member("status", 200)
        writer.member("approval")
        APIEncoding.approval(view, &writer)
        writer.raw("}")
    }

    /// `{"id", "status", "error": {"code", "message"}}`, as the single decision would have answered.
    static func writeItem(id: String?, error: APIError, _ writer: inout JSONWriter) {
        writer.raw("{")
        writer.member("id", id)
        writer.member("status", Int(error.status.code))
        writer.member("error")
        writer.raw("{")
        writer.member("code", error.code.rawValue)
        writer.member("message", error.message)
        writer.raw("}}")
    }

    /// `{"id", "decision", "comment"?}`, with the single decision's rules for each member.
    static func item(_ value: JSONValue) -> BatchItem {
        guard case .object = value else {
            return .refused(id: nil, APIError(.unprocessableContent, code: .invalidDecision, "each item must be an object"))
        }
        let id = value["id"]?.stringValue
        do {
            try value.requireOnlyMembers(["id", "decision", "comment"], code: .invalidDecision)
            guard let id, !id.isEmpty else { throw APIError(.unprocessableContent, code: .invalidDecision, "each item needs the approval's id") }
            guard let name = value["decision"]?.stringValue, let decision = HumanDecision(rawValue: name) else {
                throw APIError(.unprocessableContent, code: .invalidDecision, "decision must be one of approve, reject, take_over")
            }
            return .decide(id: id, decision, comment: try comment(value, code: .invalidDecision))
        } catch let error as APIError {
            return .refused(id: id, error)
        } catch {
            return .refused(id: id, APIError(.unprocessableContent, code: .invalidDecision, "the item is not a decision"))
        }
    }

    /// The error of one item as the API shows it (the same as a single decision's answer).
    static func itemError(_ error: any Error, id: String, logger: Logger) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as GatewayError: return APIError(error)
        case let error as UnreadableRecord:
            logger.error(
                "a stored record cannot be read; its batch item answers 409", metadata: ["record.id": "\(error.id)", "approval.id": "\(id)"])
            return APIError(.conflict, code: .unreadableRecord, error.description)
        case let error as StoreUnavailable: return APIError(error)
        default:
            logger.error("a batch decision failed", metadata: ["approval.id": "\(id)", "error": "\(error)"])
            return APIError(.internalServerError, code: .internal, "the decision could not be completed; see the server log")
        }
    }
}
