import CountersignChannels
import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Issue 17, items 3 and 7, on both engines: nothing in a decision body is silently dropped (an
/// unknown member is 422 naming it, whichever body), the comment rule is one rule at every door
/// (too long is refused, never cut), and a replayed proposal tells the agent who decided and why.
@Suite struct DecisionBodyTests {
    static let longComment = String(repeating: "a", count: ApproverComment.maximumScalars + 1)
    /// One `Character` of 2,001 Unicode scalars: a count of Characters would call it short.
    static let combiningPile = "e" + String(repeating: "\u{301}", count: ApproverComment.maximumScalars)

    @Test(arguments: StoreKind.allCases)
    func anUnknownMemberInAnyBodyIs422NamingItAndChangesNothing(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "strict-members"))
            let approval = try #require(held.json[path: "approval", "id"] as? String)
            let proposal = try #require(held.json["proposal_id"] as? String)
            let bodies: [(uri: String, secret: String, body: String, code: String, member: String)] = [
                (
                    "/v1/approvals/\(approval)/decision", Secrets.alice, #"{"decision":"approve","edited_action":{"amount":12}}"#,
                    "invalid_decision", "edited_action"
                ),
                ("/v1/approvals/\(approval)/decision", Secrets.alice, #"{"decision":"reject","Comment":"typo"}"#, "invalid_decision", "Comment"),
                ("/v1/approvals/\(approval)/consume", Secrets.agent, #"{"binding":null,"arguments":{}}"#, "invalid_binding", "arguments"),
                ("/v1/approvals/\(approval)/reassign", Secrets.alice, #"{"to":{"approver":"dave"},"urgent":true}"#, "invalid_reassign", "urgent"),
                ("/v1/approvals/\(approval)/reassign", Secrets.alice, #"{"to":{"approver":"dave","team":"x"}}"#, "invalid_reassign", "team"),
                ("/v1/proposals/\(proposal)/outcome", Secrets.agent, #"{"outcome":"succeeded","amount":12}"#, "invalid_outcome", "amount"),
                (
                    "/v1/approvals/\(approval)/decision", Secrets.alice, #"{"decision":"approve","\u202E\n<b>":1}"#, "invalid_decision",
                    "[U+202E]"
                ),
            ]
            for row in bodies {
                let answer = try await client.call(.post, row.uri, secret: row.secret, body: row.body)
                #expect(answer.status == .unprocessableContent, "\(row.body)")
                #expect(answer.json.errorCode == row.code, "\(row.body)")
                let message = answer.json[path: "error", "message"] as? String ?? ""
                #expect(message.contains(row.member), "\(row.body): \(message)")
                #expect(!message.contains("\n") && !message.unicodeScalars.contains("\u{202E}"), "\(message)")
            }
            let still = try await client.call(.get, "/v1/proposals/\(proposal)", secret: Secrets.agent)
            #expect(still.json[path: "approval", "status"] as? String == "pending")
            #expect(still.json["outcome"] == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aCommentOverTheLimitIsRefusedThroughTheAPIAndNeverCut(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "long-comment"))
            let approval = try #require(held.json[path: "approval", "id"] as? String)
            for comment in [Self.longComment, Self.combiningPile] {
                for uri in ["/v1/approvals/\(approval)/decision", "/v1/approvals/\(approval)/reassign"] {
                    let member = uri.hasSuffix("decision") ? #""decision":"reject""# : #""to":{"approver":"dave"}"#
                    let answer = try await client.call(.post, uri, secret: Secrets.alice, body: "{\(member),\"comment\":\"\(comment)\"}")
                    #expect(answer.status == .unprocessableContent, "\(uri)")
                    #expect(answer.json.errorCode == (uri.hasSuffix("decision") ? "invalid_decision" : "invalid_reassign"))
                }
            }
            let exact = String(repeating: "é", count: ApproverComment.maximumScalars)
            let decided = try await client.call(
                .post, "/v1/approvals/\(approval)/decision", secret: Secrets.alice, body: #"{"decision":"reject","comment":"\#(exact)"}"#)
            #expect(decided.status == .ok)
            #expect(decided.json["comment"] as? String == exact)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theConsoleRefusesALongCommentAndUnknownMembersInsteadOfCuttingThem(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, parts in
            let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "console-comment"))
            let approval = try #require(held.json[path: "approval", "id"] as? String)
            let console = QueueConsoleTests()
            let cookie = try await console.signIn(client)
            let (_, queue) = try await console.page(client, "/", cookie: cookie)
            let csrf = String(try #require(queue.range(of: #"name="csrf-token" content=""#).map { queue[$0.upperBound...].prefix { $0 != "\"" } }))
            let uri = "/console/approvals/\(approval)/decision"
            func json(_ body: String) async throws -> (HTTPResponse.Status, String?) {
                try await client.execute(
                    uri: uri, method: .post,
                    headers: [.cookie: cookie, .contentType: "application/json", HTTPField.Name("X-CSRF-Token")!: csrf],
                    body: ByteBuffer(string: body)
                ) { response in
                    let object = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    return (response.status, object?.errorCode)
                }
            }
            #expect(try await json(#"{"decision":"reject","comment":"\#(Self.longComment)"}"#) == (.unprocessableContent, "invalid_decision"))
            #expect(try await json(#"{"decision":"approve","edited_action":"x"}"#) == (.unprocessableContent, "invalid_decision"))
            #expect(try await json(#"{"decision":"appr"#) == (.badRequest, "invalid_json"))
            let location = try await client.execute(
                uri: uri, method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(csrf)&decision=reject&comment=\(Self.longComment)")
            ) { $0.headers[.location] }
            #expect(location == "/?error=comment_too_long")
            let (_, shown) = try await console.page(client, "/?error=comment_too_long", cookie: cookie)
            #expect(shown.contains("The comment is too long"))
            #expect(try await parts.gateway.store.approval(id: approval)?.approval.status == .pending)
            #expect(try await json(#"{"decision":"reject","comment":"  "}"#).0 == .ok)
            #expect(try await parts.gateway.store.approval(id: approval)?.approval.comment == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReplayedProposalCarriesWhoDecidedAndWhy(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let body = heldRefundJSON(key: "replay-reason")
            let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
            #expect(held.status == .created)
            #expect(held.json[path: "approval", "comment"] == nil, "a pending approval has no decision members")
            let approval = try #require(held.json[path: "approval", "id"] as? String)
            let reason = "The order was 240.00, not 2,400: refund 240"
            let rejected = try await client.call(
                .post, "/v1/approvals/\(approval)/decision", secret: Secrets.alice, body: #"{"decision":"reject","comment":"\#(reason)"}"#)
            #expect(rejected.status == .ok)
            let replay = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
            #expect(replay.status == .ok)
            #expect(replay.json[path: "approval", "status"] as? String == "rejected")
            #expect(replay.json[path: "approval", "comment"] as? String == reason)
            #expect(replay.json[path: "approval", "decided_by"] as? String == "alice")
            #expect(replay.json[path: "approval", "decided_at"] as? String == rejected.json["decided_at"] as? String)
        }
    }
}
