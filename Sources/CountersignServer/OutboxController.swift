import CountersignGateway
import CountersignStore
import Foundation
import Hummingbird

/// `GET /v1/outbox?status=dead|pending|delivered` and `POST /v1/outbox/{id}/retry`: what the
/// outbox could not deliver, for operators (approver tokens).
struct OutboxController {
    typealias Context = CountersignRequestContext
    let gateway: Gateway

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: list)
        group.post(":id/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        let name = request.uri.queryParameters.get("status") ?? "dead"
        guard let status = OutboxMessage.Status(rawValue: name) else {
            throw APIError.invalidParameter("status", "must be one of pending, delivered, dead")
        }
        return APIEncoding.response(APIEncoding.outbox(try await gateway.outbox(status: status, by: principal)))
    }

    @Sendable func retry(_ request: Request, context: Context) async throws -> Response {
        try await gateway.retryOutbox(id: try context.parameters.require("id"), by: try context.requirePrincipal())
        return APIEncoding.response(Array(#"{"status":"pending"}"#.utf8))
    }
}
