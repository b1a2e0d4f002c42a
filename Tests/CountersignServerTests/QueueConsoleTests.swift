import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignSQLite
import CountersignStore
import CountersignTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// One agent's flood must not hide anyone else's approvals: the console pages through the whole
/// queue with counts and filters, the API filters the same way, and each agent has a rate and a
/// pending quota (429 with Retry-After). Through the real HTTP stack.
@Suite struct QueueConsoleTests {
    /// 60 refunds of support-bot that fall due within the hour, then 2 of billing-bot that fall due later.
    static func flood(_ gateway: Gateway) async throws -> [String] {
        var billing: [String] = []
        for index in 0..<60 {
            let proposal = Proposal(
                agent: "support-bot", operation: index < 45 ? "refund" : "cancel_order", confidence: index < 45 ? 0.9 : 0.8,
                amount: index < 45 ? 20 : nil, subject: "flood-\(index)", action: "Flood \(index)", timeoutSeconds: 3600)
            _ = try await gateway.propose(proposal, by: .agent("support-bot"))
        }
        for index in 0..<2 {
            let proposal = Proposal(
                agent: "billing-bot", operation: "refund", confidence: 0.9, amount: 75, subject: "billing-\(index)", action: "Billing \(index)",
                timeoutSeconds: 7200)
            billing.append(try #require(try await gateway.propose(proposal, by: .agent("billing-bot")).view.approval?.id))
        }
        return billing
    }

    func signIn(_ client: any TestClientProtocol) async throws -> String {
        try await client.execute(
            uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(Secrets.alice)")
        ) { response in
            #expect(response.status == .seeOther)
            let cookie = try #require(response.headers[.setCookie])
            return String(cookie.prefix { $0 != ";" })
        }
    }

    func page(_ client: any TestClientProtocol, _ uri: String, cookie: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { ($0.status, String(buffer: $0.body)) }
    }

    static func cards(_ html: String) -> Int { html.components(separatedBy: #"<article class="card""#).count - 1 }

    /// The `href` of the link whose text starts with `text`.
    static func link(_ html: String, _ text: String) -> String? {
        guard let end = html.range(of: "\">" + text)?.lowerBound, let start = html[..<end].range(of: "href=\"", options: .backwards)?.upperBound
        else { return nil }
        return String(html[start..<end]).replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test(arguments: StoreKind.allCases) func theConsolePagesThroughTheWholeQueueWithCountsAndFilters(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, parts in
            let billing = try await Self.flood(parts.gateway)
            let cookie = try await signIn(client)
            let (status, first) = try await page(client, "/", cookie: cookie)
            #expect(status == .ok)
            #expect(first.contains("Waiting for a human (62) · showing 50"))
            #expect(Self.cards(first) == 50)
            // The other agent's approvals are not on the first page (they fall due last), but its count is, as a link.
            #expect(!billing.contains { first.contains($0) })
            #expect(first.contains(#"<a href="/?agent=billing-bot">billing-bot <span class="count">2</span></a>"#))
            #expect(first.contains(#"support-bot <span class="count">60</span>"#))
            #expect(first.contains(#"refund <span class="count">47</span>"#) && first.contains(#"cancel_order <span class="count">15</span>"#))
            #expect(first.contains(#"financial <span class="count">47</span>"#))
            // The next page holds the rest, the other agent's included.
            let next = try #require(Self.link(first, "Next page"))
            let (_, second) = try await page(client, next, cookie: cookie)
            #expect(Self.cards(second) == 12)
            #expect(billing.allSatisfy { second.contains($0) })
            #expect(Self.link(second, "Next page") == nil)
            #expect(Self.link(second, "First page") == "/")
            // One click narrows the queue to the other agent.
            let (_, narrowed) = try await page(client, "/?agent=billing-bot", cookie: cookie)
            #expect(Self.cards(narrowed) == 2)
            #expect(narrowed.contains("Waiting for a human (2 matching)"))
            #expect(narrowed.contains("Agent: <strong>billing-bot</strong>"))
            // Filters combine; counts keep the other filters.
            let (_, combined) = try await page(client, "/?agent=support-bot&operation=cancel_order&risk_class=high_risk_write", cookie: cookie)
            #expect(Self.cards(combined) == 15)
            #expect(
                combined.contains(
                    #"href="/?agent=support-bot&amp;operation=cancel_order&amp;risk_class=high_risk_write" class="current">high_risk_write"#))
            #expect(combined.contains(#"href="/?operation=cancel_order&amp;risk_class=high_risk_write" aria-label="remove this filter""#))
            // A value is matched exactly, and hostile text in a filter is escaped.
            let (_, none) = try await page(client, "/?agent=%3Cscript%3Ex%3C%2Fscript%3E", cookie: cookie)
            #expect(Self.cards(none) == 0)
            #expect(!none.contains("<script>x") && none.contains("&lt;script&gt;x"))
            let (bad, _) = try await page(client, "/?after=nonsense", cookie: cookie)
            #expect(bad == .badRequest)
        }
    }

    @Test(arguments: StoreKind.allCases) func theAPIFiltersTheQueueByAgentOperationAndRiskClass(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, parts in
            _ = try await Self.flood(parts.gateway)
            let theirs = try await client.call(.get, "/v1/approvals?status=pending&agent=billing-bot", secret: Secrets.alice)
            #expect(theirs.status == .ok)
            let items = try #require(theirs.json["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(theirs.json["next_cursor"] is NSNull)
            let cancels = try await client.call(.get, "/v1/approvals?operation=cancel_order&limit=10", secret: Secrets.alice)
            #expect((cancels.json["items"] as? [[String: Any]])?.count == 10)
            let cursor = try #require(cancels.json["next_cursor"] as? String)
            let rest = try await client.call(.get, "/v1/approvals?operation=cancel_order&limit=10&cursor=\(cursor)", secret: Secrets.alice)
            #expect((rest.json["items"] as? [[String: Any]])?.count == 5)
            let financial = try await client.call(.get, "/v1/approvals?risk_class=financial&agent=support-bot&limit=200", secret: Secrets.alice)
            #expect((financial.json["items"] as? [[String: Any]])?.count == 45)
            for bad in ["agent=", "operation=" + String(repeating: "x", count: 257)] {
                let refused = try await client.call(.get, "/v1/approvals?\(bad)", secret: Secrets.alice)
                #expect(refused.status == .badRequest)
                #expect(refused.json[path: "error", "code"] as? String == "invalid_parameter")
            }
            // 200 is a page size too: its last page has no next cursor, a full one has.
            let full = try await client.call(.get, "/v1/approvals?limit=60&agent=support-bot", secret: Secrets.alice)
            #expect(full.json["next_cursor"] is NSNull)
            #expect(try await client.call(.get, "/v1/approvals?limit=59&agent=support-bot", secret: Secrets.alice).json["next_cursor"] is String)
        }
    }

    @Test(arguments: StoreKind.allCases) func aRefusedFormDecisionShowsAFixedSentenceAndNoTextFromTheURL(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, parts in
            let billing = try await Self.flood(parts.gateway)
            _ = try await parts.gateway.decide(approvalID: billing[0], .approve, comment: nil, by: .approver("dave", .unlimited))
            let cookie = try await signIn(client)
            let (_, queue) = try await page(client, "/", cookie: cookie)
            let csrf = try #require(queue.range(of: #"name="csrf-token" content=""#).map { queue[$0.upperBound...].prefix { $0 != "\"" } })
            let location = try await client.execute(
                uri: "/console/approvals/\(billing[0])/decision", method: .post,
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(csrf)&decision=reject")
            ) { $0.headers[.location] }
            #expect(location == "/?error=not_pending")
            let (_, shown) = try await page(client, "/?error=not_pending", cookie: cookie)
            #expect(shown.contains("That approval is no longer pending"))
            // Anything else in ?error= shows nothing at all.
            for text in ["%3Cmeta%20http-equiv%3Drefresh%3E", "Call%20555-0100%20to%20approve", "refusedX"] {
                let (status, page) = try await page(client, "/?error=\(text)", cookie: cookie)
                #expect(status == .ok)
                #expect(!page.contains(#"<p class="error">"#))
                #expect(!page.contains("555-0100") && !page.contains("http-equiv"))
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func aSignInFormPostedFromAnotherSiteIsRefused(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            for (name, value) in [("Origin", "https://evil.example"), ("Origin", "null"), ("Referer", "https://evil.example/login")] {
                let (status, cookie, body) = try await client.execute(
                    uri: "/login", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name(name)!: value],
                    body: ByteBuffer(string: "token=\(Secrets.alice)")
                ) { ($0.status, $0.headers[.setCookie], String(buffer: $0.body)) }
                #expect(status == .forbidden, "\(name): \(value)")
                #expect(cookie == nil)
                #expect(body.contains("sent from another site"))
            }
            // The other console forms keep to the same rule (before the session is even looked at).
            let cookie = try await signIn(client)
            let logout = try await client.execute(
                uri: "/logout", method: .post, headers: [.cookie: cookie, .origin: "https://evil.example"], body: ByteBuffer(string: "csrf=x")
            ) { $0.status }
            #expect(logout == .forbidden)
            let decision = try await client.execute(
                uri: "/console/approvals/x/decision", method: .post,
                headers: [.cookie: cookie, .origin: "https://evil.example", .contentType: "application/json"], body: ByteBuffer(string: "{}")
            ) { $0.status }
            #expect(decision == .forbidden)
        }
    }

    @Test(
        arguments: [
            // (Origin or Referer, Host, public URL, allowed)
            ("https://cs.example.com", "10.0.0.5:8080", "https://cs.example.com", true),
            ("https://cs.example.com/login?x=1", "10.0.0.5:8080", "https://cs.example.com/", true),
            ("http://127.0.0.1:8080", "127.0.0.1:8080", nil, true),
            ("https://CS.example.com:443", "cs.example.com", nil, true),
            ("http://127.0.0.1:8081", "127.0.0.1:8080", nil, false),
            ("https://cs.example.com.evil.example", "cs.example.com", "https://cs.example.com", false),
            ("https://evil.example", "evil.example.internal", "https://cs.example.com", false),
            ("null", "127.0.0.1:8080", nil, false),
            ("file:///etc/passwd", "127.0.0.1:8080", nil, false),
        ] as [(String, String, String?, Bool)])
    func originsAreTheConsolesOwn(claimed: String, host: String, publicURL: String?, allowed: Bool) {
        let origins = ConsoleOrigins(publicURL: publicURL)
        let name = claimed.contains("/login") ? HTTPField.Name.referer : .origin
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: host, path: "/login", headerFields: [name: claimed]),
            body: .init(buffer: ByteBuffer()))
        #expect(origins.allows(request) == allowed)
        let none = Request(head: HTTPRequest(method: .post, scheme: "http", authority: host, path: "/login"), body: .init(buffer: ByteBuffer()))
        #expect(origins.allows(none))
    }

    /// A server whose support-bot has small limits (and a short idle timeout, for the socket tests).
    static func withLimitedServer<Value: Sendable>(
        on kind: StoreKind = .sqlite, limits: AgentLimits, idleTimeout: TimeInterval = 60,
        _ test: @Sendable (any TestClientProtocol, CountersignApplication.Parts) async throws -> Value
    ) async throws -> Value {
        try await kind.with { store in try await withLimitedServer(store: store, limits: limits, idleTimeout: idleTimeout, test) }
    }

    static func withLimitedServer<Value: Sendable>(
        store: any GatewayStore, limits: AgentLimits, idleTimeout: TimeInterval,
        _ test: @Sendable (any TestClientProtocol, CountersignApplication.Parts) async throws -> Value
    ) async throws -> Value {
        var configuration = ServerConfiguration()
        configuration.http.port = 0
        configuration.http.idleTimeout = idleTimeout
        configuration.agents = [.init(name: "support-bot", key: Secret(Secrets.agent), limits: limits)]
        configuration.approvers = [.init(name: "alice", token: Secret(Secrets.alice))]
        let (application, parts) = try CountersignApplication.build(
            configuration: configuration, store: store,
            credentials: [
                .init(secret: Secrets.agent, principal: .agent("support-bot")),
                .init(secret: Secrets.alice, principal: .approver("alice", .unlimited)),
            ])
        return try await application.test(.live) { client in try await test(client, parts) }
    }

    @Test(arguments: StoreKind.allCases) func anAgentOverItsLimitsGets429WithRetryAfter(on kind: StoreKind) async throws {
        try await Self.withLimitedServer(on: kind, limits: .init(maximumPending: 3, rate: .init(perSecond: 0.001, burst: 5))) { client, _ in
            for index in 0..<3 {
                let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "q-\(index)"))
                #expect(held.status == .created)
            }
            let full = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "q-3"))
            #expect(full.status == .tooManyRequests)
            #expect(full.json[path: "error", "code"] as? String == "too_many_pending")
            #expect(full.headers[.retryAfter].flatMap(Int.init).map { (1700...1800).contains($0) } == true, "\(full.headers)")
            // A retry of a stored proposal is answered as usual.
            #expect(try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "q-1")).status == .ok)
            // Five tokens were taken (the refused one included); the sixth proposal is over the rate.
            _ = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "q-4"))
            let fast = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "q-5"))
            #expect(fast.status == .tooManyRequests)
            #expect(fast.json[path: "error", "code"] as? String == "rate_limited")
            // A token every 1000 s: the wait is what is left of it (the test took some seconds).
            #expect(fast.headers[.retryAfter].flatMap(Int.init).map { (900...1000).contains($0) } == true, "\(fast.headers)")
            let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(metrics.contains(#"countersign_proposals_refused_total{reason="rate_limited"} 1"#), "\(metrics)")
        }
    }

    @Test func aHalfSentRequestIsClosedAfterTheIdleTimeoutButALongPollIsNot() async throws {
        try await Self.withLimitedServer(limits: .unlimited, idleTimeout: 0.5) { client, parts in
            let port = try #require(client.port)
            // Half a request head, then silence: the server closes the connection.
            let socket = try RawSocket(port: port)
            try socket.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let clock = ContinuousClock()
            let started = clock.now
            #expect(try await socket.readUntilClosed(limit: .seconds(60)).isEmpty)
            #expect(clock.now - started < .seconds(60), "closed by the server, not by the test's bound")
            // A whole request is answered and the connection then closes once idle too.
            let idle = try RawSocket(port: port)
            try idle.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await idle.readUntilClosed(limit: .seconds(60)).hasPrefix("HTTP/1.1 200"))
            // A long poll that outlasts the idle timeout four times over is answered, not cut.
            let held = try await parts.gateway.propose(
                Proposal(agent: "support-bot", operation: "refund", confidence: 0.9, amount: 10, action: "Refund"), by: .agent("support-bot"))
            let id = try #require(held.view.approval?.id)
            let poll = try RawSocket(port: port)
            try poll.send("GET /v1/approvals/\(id)?wait=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Secrets.alice)\r\n\r\n")
            let answer = try await poll.readUntilClosed(limit: .seconds(60))
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            #expect(answer.contains(#""status":"pending""#))
        }
    }
}

/// A blocking loopback TCP socket, for what an HTTP client will not do (send half a request).
final class RawSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
    private let descriptor: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(descriptor)
            throw Failure(description: "connect: errno \(error)")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw Failure(description: "write: errno \(errno)")
        }
    }

    /// Everything the server sends until it closes the connection; throws when it has not closed
    /// it within `limit` (a bound for a broken server, not the expectation). The blocking reads run
    /// on a thread of their own (see `blocking`): the server answering them needs the cooperative pool.
    func readUntilClosed(limit: Duration) async throws -> String {
        try await blocking { try self.readUntilClosedBlocking(limit: limit) }
    }

    private func readUntilClosedBlocking(limit: Duration) throws -> String {
        var timeout = timeval(tv_sec: Int(limit.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                received += buffer[0..<count]
            } else if count == 0 {
                return String(decoding: received, as: UTF8.self)
            } else if errno != EINTR {
                throw Failure(
                    description: "read: errno \(errno) (still open after \(limit)?) having received \(String(decoding: received, as: UTF8.self))")
            }
        }
    }
}
