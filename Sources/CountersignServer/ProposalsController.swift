import CountersignCore
import CountersignGateway
import Hummingbird

/// `POST /v1/proposals`, `GET /v1/proposals/{id}`, `POST /v1/proposals/{id}/outcome`.
struct ProposalsController {
    typealias Context = CountersignRequestContext
    let gateway: Gateway

    func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: propose)
        group.get(":id", use: show)
        group.post(":id/outcome", use: recordOutcome)
    }

    /// 201 with the verdict; 200 with the first verdict when the idempotency key was seen before.
    @Sendable func propose(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let bytes = try await request.bodyBytes(context: context)
        let proposal: Proposal
        do {
            proposal = try Proposal.decode(json: bytes)
        } catch {
            throw APIError(error.code == .invalidJSON ? .badRequest : .unprocessableContent, code: error.code, error.message)
        }
        let result = try await gateway.propose(proposal, by: principal)
        return APIEncoding.response(APIEncoding.verdict(result.view), status: result.created ? .created : .ok)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let view = try await gateway.proposal(id: try context.parameters.require("id"), by: principal)
        return APIEncoding.response(APIEncoding.proposal(view))
    }

    @Sendable func recordOutcome(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.jsonObject(context: context, allowed: ["outcome", "detail"], code: .invalidOutcome)
        guard let name = body["outcome"]?.stringValue, let outcome = Outcome(rawValue: name) else {
            throw APIError(.unprocessableContent, code: .invalidOutcome, "outcome must be one of succeeded, failed, erroneous")
        }
        var detail: String?
        switch body["detail"] {
        case .none, .some(.null): detail = nil
        case .some(.string(let text)) where text.utf8.count <= 4096: detail = text
        default: throw APIError(.unprocessableContent, code: .invalidOutcome, "detail must be a string of at most 4096 bytes")
        }
        let view = try await gateway.recordOutcome(proposalID: try context.parameters.require("id"), outcome, detail: detail, by: principal)
        return APIEncoding.response(APIEncoding.proposal(view))
    }
}
