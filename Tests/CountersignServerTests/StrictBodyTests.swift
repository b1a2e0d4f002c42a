import CountersignCore
import CountersignGateway
import CountersignTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15 over real HTTP: amounts beyond the bounds are 422 naming the field; truncated JSON
/// and text that is not UTF-8 are 400 `invalid_json` on every JSON body; a stored row that cannot
/// be read is 409 `unreadable_record` for that one id, and the queue is still served.
@Suite struct StrictBodyTests {
    static func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, secret: String, bytes: [UInt8]
    ) async throws
        -> (status: HTTPResponse.Status, code: String?)
    {
        let headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(secret)"]
        return try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: bytes)) { response in
            let json = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
            return (response.status, json.errorCode)
        }
    }

    @Test(arguments: [#"1e128"#, #""1E128""#, #"1e18"#, #"0.0000000000000000001"#], StoreKind.allCases)
    func amountsBeyondTheBoundsAre422(amount: String, on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let body = #"{"agent":"support-bot","operation":"refund","confidence":0.9,"amount":"# + amount + #","action":"Refund"}"#
            let answer = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.json.errorCode == "invalid_proposal")
            #expect((answer.json[path: "error", "message"] as? String)?.hasPrefix("amount must be a decimal number") == true)
        }
    }

    @Test(arguments: StoreKind.allCases) func truncatedAndNonUTF8BodiesAre400EverywhereJSONIsRead(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, parts in
            let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "strict-1"))
            let approvalID = try #require(held.json[path: "approval", "id"] as? String)
            let proposalID = try #require(held.json["proposal_id"] as? String)
            let routes: [(HTTPRequest.Method, String, String, String)] = [
                (.post, "/v1/proposals", Secrets.agent, #"{"agent":"support-bot","operation":"refund","confidence":0.9,"amount":1e128,"action":"x"#),
                (.post, "/v1/proposals", Secrets.agent, #"{"agent":"support-bot","operation":"refund","confidence":0."#),
                (.post, "/v1/approvals/\(approvalID)/decision", Secrets.alice, #"{"decision":"appr"#),
                (.post, "/v1/approvals/\(approvalID)/consume", Secrets.agent, #"{"binding":"#),
                (.post, "/v1/proposals/\(proposalID)/outcome", Secrets.agent, #"{"outcome":"succeeded""#),
            ]
            for (method, uri, secret, text) in routes {
                let truncated = try await Self.send(client, method, uri, secret: secret, bytes: Array(text.utf8))
                #expect(truncated.status == .badRequest, "\(uri) \(text)")
                #expect(truncated.code == "invalid_json", "\(uri) \(text)")
            }
            let invalid: [(HTTPRequest.Method, String, String, [UInt8])] = [
                (
                    .post, "/v1/proposals", Secrets.agent,
                    Array(#"{"agent":"support-bot","operation":"refund","confidence":0.9,"action":"Re"#.utf8) + [0xFF] + Array(#""}"#.utf8)
                ),
                (
                    .post, "/v1/approvals/\(approvalID)/decision", Secrets.alice,
                    Array(#"{"decision":"approve","comment":"o"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
                ),
                (
                    .post, "/v1/proposals/\(proposalID)/outcome", Secrets.agent,
                    Array(#"{"outcome":"succeeded",""#.utf8) + [0xED, 0xA0, 0x80] + Array(#"":1}"#.utf8)
                ),
            ]
            for (method, uri, secret, bytes) in invalid {
                let answer = try await Self.send(client, method, uri, secret: secret, bytes: bytes)
                #expect(answer.status == .badRequest, "\(uri)")
                #expect(answer.code == "invalid_json", "\(uri)")
            }
            // Nothing was decided or recorded by any of them.
            #expect(try await parts.gateway.store.approval(id: approvalID)?.approval.status == .pending)
            #expect(try await parts.gateway.store.proposal(id: proposalID)?.proposal.outcome == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func aStoredProposalThatCannotBeReadIs409ForItsIdAlone(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, parts in
            let good = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "good"))
            let bad = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "bad", amount: 777))
            let goodID = try #require(good.json[path: "approval", "id"] as? String)
            let badID = try #require(bad.json[path: "approval", "id"] as? String)
            let badProposal = try #require(bad.json["proposal_id"] as? String)
            // As an older version stored 1e128: the amount became NaN in the body.
            try await executeRawSQL(
                "UPDATE proposals SET body = replace(body, '\"amount\":777', '\"amount\":NaN') WHERE id = '\(badProposal)'", on: parts.gateway.store)
            for (uri, secret) in [("/v1/approvals/\(badID)", Secrets.alice), ("/v1/proposals/\(badProposal)", Secrets.agent)] {
                let answer = try await client.call(.get, uri, secret: secret)
                #expect(answer.status == .conflict, "\(uri)")
                #expect(answer.json.errorCode == "unreadable_record", "\(uri)")
                #expect((answer.json[path: "error", "message"] as? String)?.contains("NaN") == false)
            }
            let decide = try await client.call(.post, "/v1/approvals/\(badID)/decision", secret: Secrets.alice, body: #"{"decision":"approve"}"#)
            #expect(decide.status == .conflict)
            #expect(decide.json.errorCode == "unreadable_record")
            let queue = try await client.call(.get, "/v1/approvals?status=pending", secret: Secrets.alice)
            #expect(queue.status == .ok)
            #expect((queue.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [goodID])
            let approve = try await client.call(.post, "/v1/approvals/\(goodID)/decision", secret: Secrets.alice, body: #"{"decision":"approve"}"#)
            #expect(approve.status == .ok)
        }
    }

    /// A cursor's time beyond what a date converts back from used to trap the server (Int64 overflow).
    @Test(
        arguments: ["9223372036854775807.x", "-9223372036854775808.x", "253402300800000.x", "1.\(String(repeating: "a", count: 65))"],
        StoreKind.allCases)
    func cursorsOutOfRangeAre400(cursor: String, on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let answer = try await client.call(.get, "/v1/approvals?cursor=\(cursor)", secret: Secrets.alice)
            #expect(answer.status == .badRequest)
            #expect(answer.json.errorCode == "invalid_parameter")
            #expect(try await client.call(.get, "/v1/approvals", secret: Secrets.alice).status == .ok)
        }
    }
}
