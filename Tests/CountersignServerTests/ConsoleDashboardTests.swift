import CountersignCore
import CountersignGateway
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// The console's dashboard and shadow mode through the real HTTP stack.
@Suite struct ConsoleDashboardTests {
    /// Signs in with an approver token and returns the session cookie.
    func signIn(_ client: any TestClientProtocol, token: String = Secrets.alice) async throws -> String {
        try await client.execute(
            uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "token=\(token)")
        ) { response in
            #expect(response.status == .seeOther)
            let cookie = try #require(response.headers[.setCookie])
            return String(cookie.prefix { $0 != ";" })
        }
    }

    func get(_ client: any TestClientProtocol, _ uri: String, cookie: String?) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status, response.headers, String(buffer: response.body))
        }
    }

    @Test func theDashboardNeedsASignedInApprover() async throws {
        try await withServer { client, _ in
            let (status, headers, _) = try await get(client, "/dashboard", cookie: nil)
            #expect(status == .seeOther)
            #expect(headers[.location] == "/login")
            // An agent key is not a console session.
            let (agentStatus, _, _) = try await client.execute(
                uri: "/dashboard", method: .get, headers: [.authorization: "Bearer \(Secrets.agent)"]
            ) { ($0.status, $0.headers, "") }
            #expect(agentStatus == .seeOther)
        }
    }

    @Test func theDashboardDrawsTheReportAndTheReliabilityDiagrams() async throws {
        var policy = Policy.default
        policy.shadow = ShadowMode(operations: ["refund"])
        try await withServer(policy: policy) { client, parts in
            // Two shadow refunds, one approved and one rejected; one live lookup.
            for (key, decision) in [("d-1", HumanDecision.approve), ("d-2", .reject)] {
                let body = heldRefundJSON(key: key).replacingOccurrences(of: "\"confidence\":0.9", with: "\"confidence\":0.995")
                    .replacingOccurrences(of: "c-1", with: "c-\(key)")
                let proposed = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
                #expect(proposed.status == .created)
                #expect(proposed.json["level"] as? String == "approve")
                #expect(proposed.json["policy_level"] as? String == "auto")
                let id = try #require(proposed.json[path: "approval", "id"] as? String)
                let shown = try await client.call(.get, "/v1/approvals/\(id)", secret: Secrets.alice)
                #expect(shown.json["policy_level"] as? String == "auto")
                #expect((shown.json["reasons"] as? [[String: Any]])?.map { $0["code"] as? String } == ["shadow_mode"])
                _ = try await parts.gateway.decide(approvalID: id, decision, comment: nil, by: .approver("alice", .unlimited))
            }
            let lookup = try await client.call(
                .post, "/v1/proposals", secret: Secrets.agent,
                body: #"{"agent":"support-bot","operation":"lookup_order","confidence":0.99,"action":"Look up A-1"}"#)
            #expect(lookup.json["policy_level"] == nil)

            let cookie = try await signIn(client)
            for window in ["", "?since=7d", "?since=30d"] {
                let (status, headers, html) = try await get(client, "/dashboard\(window)", cookie: cookie)
                #expect(status == .ok)
                #expect(headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
                #expect(html.contains("<h1>Dashboard</h1>"))
                // Proposals per day, rates, wait, expiries, errors, shadow agreement: six charts, and one diagram.
                #expect(html.components(separatedBy: #"<svg class="chart""#).count - 1 == 7)
                #expect(html.contains("Reliability of refund"))
                #expect(!html.contains("Reliability of lookup_order"))
                #expect(html.contains("ECE ") && html.contains("Brier "))
                #expect(html.contains("<td>refund</td><td>2</td><td>2</td><td>50%</td><td>1</td><td>0</td>"))
                // No inline script or style: the CSP would block them.
                #expect(!html.contains("<script>") && !html.contains("style=") && !html.contains("<style"))
            }
            let (_, _, thirty) = try await get(client, "/dashboard?since=30d", cookie: cookie)
            #expect(thirty.contains(#"<a href="/dashboard?since=30d" class="current">"#))
            let (bad, _, page) = try await get(client, "/dashboard?since=1y", cookie: cookie)
            #expect(bad == .badRequest)
            #expect(page.contains("since must be 7d or 30d"))
        }
    }

    @Test func anEmptyStoreDrawsEmptyCharts() async throws {
        try await withServer { client, _ in
            let cookie = try await signIn(client)
            let (status, _, html) = try await get(client, "/dashboard", cookie: cookie)
            #expect(status == .ok)
            #expect(html.contains("no data in this window"))
            #expect(html.contains("No decided approvals in this window."))
            #expect(html.contains("No proposal in this window was decided in shadow mode."))
        }
    }
}
