import CountersignCore
import CountersignGateway
import CountersignTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

@testable import CountersignServer

/// The HTTP API of CONTRACT §6 through the real HTTP stack.
@Suite struct APITests {
    @Test(arguments: StoreKind.allCases) func theWholeLifecycle(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, parts in
            let proposed = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "life-1"))
            #expect(proposed.status == .created)
            #expect(proposed.json["level"] as? String == "approve")
            let approvalID = try #require(proposed.json[path: "approval", "id"] as? String)
            #expect(proposed.json[path: "approval", "status"] as? String == "pending")

            // The agent long-polls over HTTP while a human decides (through the gateway's door: the
            // test client has one connection, which the long poll holds).
            let gateway = parts.gateway
            let decider = Task {
                while gateway.waiters.count == 0 { try await Task.sleep(for: .milliseconds(10)) }
                return try await gateway.decide(approvalID: approvalID, .approve, comment: "looks right", by: .approver("alice", .unlimited))
            }
            // Woken by the decision, not by the end of its wait: a wait of 300 s answered in under
            // half of it (a bound on the wait, not on the machine's speed).
            let started = ContinuousClock.now
            let woken = try await client.call(.get, "/v1/approvals/\(approvalID)?wait=300", secret: Secrets.agent)
            #expect(ContinuousClock.now - started < .seconds(150), "answered at the end of its wait, not when decided")
            #expect(woken.status == .ok)
            #expect(woken.json["status"] as? String == "approved")
            #expect(woken.json["decided_by"] as? String == "alice")
            #expect(woken.json["comment"] as? String == "looks right")
            #expect(try await decider.value.approval.status == .approved)
            let shown = try await client.call(.get, "/v1/approvals/\(approvalID)", secret: Secrets.alice)
            #expect(shown.json["status"] as? String == "approved")

            // A second decision changes nothing.
            let again = try await client.call(.post, "/v1/approvals/\(approvalID)/decision", secret: Secrets.alice, body: #"{"decision":"reject"}"#)
            #expect(again.status == .conflict)
            #expect(again.json.errorCode == "not_pending")

            // The outcome, once.
            let proposalID = try #require(proposed.json["proposal_id"] as? String)
            let outcome = try await client.call(
                .post, "/v1/proposals/\(proposalID)/outcome", secret: Secrets.agent, body: #"{"outcome":"succeeded"}"#)
            #expect(outcome.status == .ok)
            #expect(outcome.json[path: "outcome", "outcome"] as? String == "succeeded")
            let twice = try await client.call(.post, "/v1/proposals/\(proposalID)/outcome", secret: Secrets.agent, body: #"{"outcome":"failed"}"#)
            #expect(twice.status == .conflict)
        }
    }

    /// `POST /v1/approvals/{id}/consume` over HTTP: (who, body, expected status, expected code or nil), in order on one approval.
    static let consumeSteps: [(String, String, Int, String?)] = [
        ("agent", #"{"binding":"abc"}"#, 409, "not_approved"),  // still pending
        ("approve", "", 200, nil),
        ("alice", #"{"binding":"abc"}"#, 403, "agents_only"),
        ("agent", #"{"binding":"abd"}"#, 422, "binding_mismatch"),
        ("agent", #"{"binding":7}"#, 422, "invalid_binding"),
        ("agent", "not json", 400, "invalid_json"),
        ("agent", #"{"binding":"abc"}"#, 200, nil),
        ("agent", #"{"binding":"abc"}"#, 409, "already_consumed"),
    ]

    @Test(arguments: StoreKind.allCases) func anApprovedActionIsConsumedOnceOverHTTP(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, parts in
            let body = heldRefundJSON(key: "consume-1").dropLast() + #","context":{"binding":"abc"}}"#
            let proposed = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: String(body))
            let approvalID = try #require(proposed.json[path: "approval", "id"] as? String)
            for (who, request, status, code) in Self.consumeSteps {
                if who == "approve" {
                    _ = try await parts.gateway.decide(approvalID: approvalID, .approve, comment: nil, by: .approver("alice", .unlimited))
                    continue
                }
                let answer = try await client.call(
                    .post, "/v1/approvals/\(approvalID)/consume", secret: who == "alice" ? Secrets.alice : Secrets.agent, body: request)
                #expect(answer.status.code == status, "\(who) \(request): \(answer.json)")
                #expect(answer.json.errorCode == code, "\(who) \(request): \(answer.json)")
                if code == nil {
                    #expect(answer.json["consumed_by"] as? String == "support-bot")
                    #expect(answer.json["consumed_at"] is String)
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func anIdempotentRetryReturnsTheFirstVerdictWith200(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let first = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "same"))
            let second = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "same"))
            #expect(first.status == .created)
            #expect(second.status == .ok)
            #expect(first.json["proposal_id"] as? String == second.json["proposal_id"] as? String)
        }
    }

    @Test func autoProposalsCarryNoApproval() async throws {
        try await withServer { client, _ in
            let body = #"{"agent":"support-bot","operation":"lookup_order","confidence":0.99,"action":"Look up A-1"}"#
            let response = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
            #expect(response.status == .created)
            #expect(response.json["level"] as? String == "auto")
            #expect(response.json["approval"] == nil)
            #expect((response.json["reasons"] as? [Any])?.isEmpty == true)
        }
    }

    /// One row of the bad-request table.
    struct BadRequest: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var secret: String?
        var body: String?
        var status: HTTPResponse.Status
        var code: String

        init(_ method: HTTPRequest.Method, _ path: String, _ secret: String?, _ body: String?, _ status: HTTPResponse.Status, _ code: String) {
            (self.method, self.path, self.secret, self.body, self.status, self.code) = (method, path, secret, body, status, code)
        }

        var testDescription: String { "\(method) \(path) \(body ?? "") → \(status.code) \(code)" }
    }

    static let badRequests: [BadRequest] = [
        BadRequest(.post, "/v1/proposals", nil, "{}", .unauthorized, "unauthorized"),
        BadRequest(.post, "/v1/proposals", "wrong-secret-0123456789", "{}", .unauthorized, "unauthorized"),
        BadRequest(.post, "/v1/proposals", Secrets.agent, "not json", .badRequest, "invalid_json"),
        BadRequest(.post, "/v1/proposals", Secrets.agent, "", .badRequest, "invalid_json"),
        BadRequest(.post, "/v1/proposals", Secrets.agent, "[1,2]", .badRequest, "invalid_json"),
        BadRequest(.post, "/v1/proposals", Secrets.agent, #"{"agent":"support-bot"}"#, .unprocessableContent, "invalid_proposal"),
        BadRequest(
            .post, "/v1/proposals", Secrets.agent, #"{"agent":"support-bot","operation":"x","confidence":2,"action":"a"}"#, .unprocessableContent,
            "invalid_proposal"),
        BadRequest(
            .post, "/v1/proposals", Secrets.agent, #"{"agent":"support-bot","operation":"x","confidence":0.5,"action":"a","amount":-1}"#,
            .unprocessableContent, "invalid_proposal"),
        BadRequest(
            .post, "/v1/proposals", Secrets.agent,
            #"{"agent":"support-bot","operation":"x","confidence":0.5,"action":"a","amount":1,"currency":"JPY"}"#, .unprocessableContent,
            "currency_mismatch"),
        BadRequest(
            .post, "/v1/proposals", Secrets.agent, #"{"agent":"billing-bot","operation":"x","confidence":0.5,"action":"a"}"#, .forbidden,
            "agent_mismatch"),
        BadRequest(
            .post, "/v1/proposals", Secrets.alice, #"{"agent":"alice","operation":"x","confidence":0.5,"action":"a"}"#, .forbidden, "agents_only"),
        BadRequest(.get, "/v1/approvals", Secrets.agent, nil, .forbidden, "approvers_only"),
        BadRequest(.get, "/v1/approvals?status=maybe", Secrets.alice, nil, .badRequest, "invalid_parameter"),
        BadRequest(.get, "/v1/approvals?limit=0", Secrets.alice, nil, .badRequest, "invalid_parameter"),
        BadRequest(.get, "/v1/approvals?cursor=garbage", Secrets.alice, nil, .badRequest, "invalid_parameter"),
        BadRequest(.get, "/v1/approvals/nope", Secrets.alice, nil, .notFound, "not_found"),
        BadRequest(.get, "/v1/approvals/nope?wait=abc", Secrets.alice, nil, .badRequest, "invalid_parameter"),
        BadRequest(.get, "/v1/approvals/nope?wait=301", Secrets.alice, nil, .badRequest, "invalid_parameter"),
        BadRequest(.post, "/v1/approvals/nope/decision", Secrets.alice, #"{"decision":"maybe"}"#, .unprocessableContent, "invalid_decision"),
        BadRequest(.post, "/v1/approvals/nope/decision", Secrets.alice, #"{"decision":"approve"}"#, .notFound, "not_found"),
        BadRequest(.post, "/v1/proposals/nope/outcome", Secrets.agent, #"{"outcome":"great"}"#, .unprocessableContent, "invalid_outcome"),
        BadRequest(.get, "/v1/proposals/nope", Secrets.agent, nil, .notFound, "not_found"),
        BadRequest(.get, "/nothing/here", nil, nil, .notFound, "not_found"),
    ]

    /// Every kind of bad request gets its status and a JSON error, never a 500.
    @Test(arguments: badRequests, StoreKind.allCases)
    func badRequestsGetAClearJSONError(_ row: BadRequest, on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let response = try await client.call(row.method, row.path, secret: row.secret, body: row.body)
            #expect(response.status == row.status)
            #expect(response.json.errorCode == row.code)
            #expect(!((response.json[path: "error", "message"] as? String) ?? "").isEmpty)
            if row.status == .unauthorized { #expect(response.headers[.wwwAuthenticate] == "Bearer") }
        }
    }

    /// A path the server has, with a method it does not take there: 405 naming the methods it does
    /// take (`Allow`), whoever asks; a path it does not have at all stays 404.
    @Test(arguments: [
        (HTTPRequest.Method.delete, "/v1/proposals", String?("POST")),
        (.put, "/v1/approvals/some-id/decision", "POST"),
        (.get, "/v1/approvals/some-id/consume", "POST"),
        (.delete, "/v1/approvals/some-id", "GET"),
        (.post, "/healthz", "GET"),
        (.patch, "/v1/outbox", "GET"),
        (.get, "/v1/approvals/some-id/decision/more", nil),
        (.delete, "/v1/nothing", nil),
    ])
    func aKnownPathWithAnotherMethodIs405(_ method: HTTPRequest.Method, _ path: String, _ allow: String?) async throws {
        try await withServer { client, _ in
            for secret in [nil, Secrets.agent] {
                let response = try await client.call(method, path, secret: secret, body: nil)
                #expect(response.status == (allow == nil ? .notFound : .methodNotAllowed), "\(method) \(path)")
                #expect(response.headers[.allow] == allow)
                #expect(response.json.errorCode == (allow == nil ? "not_found" : "method_not_allowed"))
            }
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await withServer { client, _ in
            let huge = String(repeating: "a", count: 100_000)
            let response = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: huge)
            #expect(response.status == .contentTooLarge)
            #expect(response.json.errorCode == "payload_too_large")
        }
    }

    @Test(arguments: StoreKind.allCases) func randomBodiesNeverCauseA500(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            var generator = SystemRandomNumberGenerator()
            let pieces = ["{", "}", "[", "]", "\"", ":", ",", "agent", "confidence", "1e999", "-0", "null", "\\u0000", "\u{FFFF}", " "]
            for _ in 0..<200 {
                let body = (0..<Int.random(in: 0...30, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
                let response = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
                #expect(response.status.code < 500, "body \(body) gave \(response.status)")
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func anApproverOutsideTheirRightsIsRefusedWith403(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let proposed = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON())
            let id = try #require(proposed.json[path: "approval", "id"] as? String)
            let refused = try await client.call(.post, "/v1/approvals/\(id)/decision", secret: Secrets.limited, body: #"{"decision":"approve"}"#)
            #expect(refused.status == .forbidden)
            #expect(refused.json.errorCode == "not_allowed")
            let agentTry = try await client.call(.post, "/v1/approvals/\(id)/decision", secret: Secrets.agent, body: #"{"decision":"approve"}"#)
            #expect(agentTry.status == .forbidden)
            #expect(agentTry.json.errorCode == "approvers_only")
            let still = try await client.call(.get, "/v1/approvals/\(id)", secret: Secrets.alice)
            #expect(still.json["status"] as? String == "pending")
        }
    }

    @Test(arguments: StoreKind.allCases) func anotherAgentCannotSeeAnApproval(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let proposed = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON())
            let id = try #require(proposed.json[path: "approval", "id"] as? String)
            let response = try await client.call(.get, "/v1/approvals/\(id)", secret: Secrets.otherAgent)
            #expect(response.status == .notFound)
        }
    }

    @Test(arguments: StoreKind.allCases) func theQueueListsPendingApprovalsPageByPage(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            for index in 0..<5 { _ = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "q-\(index)")) }
            let first = try await client.call(.get, "/v1/approvals?status=pending&limit=3", secret: Secrets.alice)
            #expect((first.json["items"] as? [Any])?.count == 3)
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await client.call(.get, "/v1/approvals?status=pending&limit=3&cursor=\(cursor)", secret: Secrets.alice)
            #expect((second.json["items"] as? [Any])?.count == 2)
            #expect(second.json["next_cursor"] is NSNull)
        }
    }

    @Test func metricsAreInPrometheusTextFormat() async throws {
        try await withServer { client, _ in
            _ = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON())
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return String(buffer: response.body)
            }
            #expect(text.contains(#"countersign_proposals_total{level="approve",operation="refund"} 1"#))
            #expect(text.contains("# TYPE countersign_approvals_pending gauge"), "\(text)")
            let health = try await client.call(.get, "/healthz")
            #expect(health.json["status"] as? String == "ok")
        }
    }

    /// Every family has a `# HELP` line, and Prometheus's own checker accepts the exposition.
    @Test func everyMetricFamilyIsDescribedAndPromtoolAcceptsIt() async throws {
        try await withServer { client, _ in
            let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON())
            let approval = try #require((held.json["approval"] as? [String: Any])?["id"] as? String)
            _ = try await client.call(.post, "/v1/approvals/\(approval)/decision", secret: Secrets.alice, body: #"{"decision": "approve"}"#)
            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            let typed = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
            let described = Set(text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
            #expect(typed.contains("countersign_decisions_total") && typed.contains("countersign_approval_wait_seconds"), "\(text)")
            #expect(typed.subtracting(described).isEmpty, "no # HELP for \(typed.subtracting(described).sorted())")
            guard let promtool = Self.promtool else { return }
            let check = try await ChildProcess.run(promtool, ["check", "metrics"], input: text)
            #expect(check.status == 0, "promtool check metrics: \(check.stdout)\(check.stderr)")
        }
    }

    /// Prometheus's `promtool` when installed (`scripts/test` installs Debian's `prometheus`).
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The committed OpenAPI document describes exactly the routes the server has.
    @Test func theOpenAPIDocumentMatchesTheRouter() async throws {
        let document = try #require(try Yams.load(yaml: String(decoding: OpenAPIDocument.bytes, as: UTF8.self)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in ((item as? [String: Any]) ?? [:]).keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let router = CountersignApplication.buildRouter(
            gateway: Gateway(store: try await StoreKind.sqlite.make(), configuration: .init(policy: .default)),
            authenticator: Authenticator(credentials: []), registry: .init(), maximumBodyBytes: 1024)
        let served = Set(
            router.routes.map { route in
                let path =
                    "/"
                    + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(
                        separator: "/")
                return "\(route.method) \(path)"
            })
        // The console's HTML pages and assets are not the JSON API; everything else must be documented.
        let console: Set<String> = [
            "GET /", "GET /history", "GET /dashboard", "GET /login", "POST /login", "POST /logout", "GET /console/events",
            "POST /console/approvals/{id}/decision", "GET /static/console.css", "GET /static/console.js", "GET /favicon.ico",
        ]
        #expect(console.isSubset(of: served))
        #expect(served.subtracting(console) == documented)
    }

    /// The document's error codes are exactly those the server can answer with.
    @Test func theOpenAPIDocumentListsEveryErrorCode() throws {
        let document = try #require(try Yams.load(yaml: String(decoding: OpenAPIDocument.bytes, as: UTF8.self)) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let errorCode = try #require(schemas["ErrorCode"] as? [String: Any])
        let documented = try #require(errorCode["enum"] as? [String])
        #expect(Set(documented) == Set(ErrorCode.allCases.map(\.rawValue)))
        #expect(documented.count == Set(documented).count, "listed twice: \(documented)")
        // The status table names each code once.
        let table = try #require(errorCode["description"] as? String)
        for code in ErrorCode.allCases {
            #expect(table.components(separatedBy: "`\(code.rawValue)`").count == 2, "\(code.rawValue) in the status table")
        }
    }
}
