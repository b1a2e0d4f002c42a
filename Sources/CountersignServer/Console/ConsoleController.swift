import CountersignCore
import CountersignGateway
import CountersignInsights
import CountersignStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// The approver console: sign-in with an approver token (then an HttpOnly, SameSite=Strict session
/// cookie, Secure behind https), the live queue of cards (server-sent events), one-click and
/// keyboard decisions through the gateway, and the history of decided approvals. Every state-changing
/// request needs the session's CSRF token.
struct ConsoleController {
    typealias Context = CountersignRequestContext
    let gateway: Gateway
    let authenticator: Authenticator
    /// Approvers by name, with their rights, for sessions.
    let approvers: [String: ApproverRights]
    let secureCookies: Bool
    /// Where console forms may be posted from (the public URL, or the request's own host).
    let origins: ConsoleOrigins
    static let cookieName = "cs_session"
    static let sessionLifetime: TimeInterval = 12 * 3600

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: queue)
        router.get("history", use: history)
        router.get("dashboard", use: dashboard)
        router.get("login", use: loginPage)
        router.post("login", use: login)
        router.post("logout", use: logout)
        router.get("console/events", use: events)
        router.post("console/approvals/:id/decision", use: decide)
        router.get("favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("static/console.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        router.get("static/console.js") { _, _ in Self.asset(ConsoleAssets.js, type: "text/javascript; charset=utf-8") }
    }

    // MARK: Pages

    /// Cards on one queue page.
    static let queuePageSize = 50
    /// Values listed per count (agents, operations, risk classes).
    static let countsShown = 30

    /// The whole pending queue, a page at a time in deadline order, with counts by agent, operation
    /// and risk class; `?agent=&operation=&risk_class=` narrow it, `?after=` pages on.
    @Sendable func queue(_ request: Request, context: Context) async throws -> Response {
        guard let (session, principal) = try await signedIn(request) else { return Self.redirect("/login") }
        let query = request.uri.queryParameters
        let filter = try ApprovalFilter(query: query)
        var cursor: DeadlineCursor?
        if let token = query.get("after") {
            guard let value = DeadlineCursor(token: token) else { throw APIError.invalidParameter("after", "is not a page this server linked to") }
            cursor = value
        }
        let page = try await gateway.pendingQueue(matching: filter, after: cursor, limit: Self.queuePageSize + 1, by: principal)
        let views = Array(page.prefix(Self.queuePageSize))
        var counts: [QueueDimension: [QueueCount]] = [:]
        for dimension in QueueDimension.allCases {
            // Each dimension is counted with the other two narrowed, so its links combine with them.
            let others = ConsolePages.with(filter, dimension, nil)
            counts[dimension] = try await gateway.pendingCounts(by: dimension, matching: others, limit: Self.countsShown, by: principal)
        }
        // Every matching approval, counted by agent (there are as many agents as are configured).
        let total = try await gateway.pendingCounts(by: .agent, matching: filter, limit: 1000, by: principal).reduce(0) { $0 + $1.count }
        let next = page.count > Self.queuePageSize ? views.last.map { DeadlineCursor(deadline: $0.approval.deadline, id: $0.approval.id) } : nil
        let notice = query.get("error").flatMap(ConsoleNotice.init(rawValue:))
        return Self.html(
            ConsolePages.queue(
                .init(
                    views: views, filter: filter, total: total, counts: counts, next: next, isFirstPage: cursor == nil, notice: notice,
                    decisions: { [policy = gateway.policy] in policy.decisions(for: $0) }),
                approver: session.approver, csrf: session.csrfToken))
    }

    @Sendable func history(_ request: Request, context: Context) async throws -> Response {
        guard let (session, principal) = try await signedIn(request) else { return Self.redirect("/login") }
        let decided = try await gateway.approvals(
            statuses: Set(ApprovalStatus.allCases.filter(\.isFinal)), after: nil, limit: 200, by: principal)
        return Self.html(ConsolePages.history(decided, approver: session.approver, csrf: session.csrfToken))
    }

    /// The most proposals one dashboard page reads (a month of a busy gateway); beyond it the page says so.
    static let dashboardRowLimit = 500_000

    @Sendable func dashboard(_ request: Request, context: Context) async throws -> Response {
        guard let (session, _) = try await signedIn(request) else { return Self.redirect("/login") }
        let window = request.uri.queryParameters.get("since") ?? "7d"
        guard let days = ConsolePages.dashboardWindows.first(where: { $0.name == window })?.days else {
            let choices = ConsolePages.dashboardWindows.map(\.name).joined(separator: " or ")
            let body = #"<h1>Dashboard</h1><p class="error">since must be \#(choices).</p><p><a href="/dashboard">Show the last 7 days</a></p>"#
            return Self.html(
                ConsolePages.page(title: "Dashboard", approver: session.approver, csrf: session.csrfToken, current: "dashboard", body: body),
                status: .badRequest)
        }
        // Whole UTC days: today and the days before it.
        let now = Date()
        let today = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86400).rounded(.down) * 86400)
        let since = today.addingTimeInterval(-Double(days - 1) * 86400)
        let rows = try await gateway.store.productionRows(since: since, limit: Self.dashboardRowLimit)
        var report = ProductionReport(since: since, until: now)
        for row in rows { report.add(row) }
        return Self.html(
            ConsolePages.dashboard(
                report, window: window, truncated: rows.count >= Self.dashboardRowLimit, approver: session.approver, csrf: session.csrfToken))
    }

    @Sendable func loginPage(_ request: Request, context: Context) async throws -> Response {
        if try await signedIn(request) != nil { return Self.redirect("/") }
        return Self.html(ConsolePages.login(error: nil))
    }

    // MARK: Sessions

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        // Login CSRF: another site's form must not sign a browser in (as the attacker).
        guard origins.allows(request) else {
            return Self.html(ConsolePages.login(error: ConsoleOrigins.refusal), status: .forbidden)
        }
        let form = FormBody.parse(try await request.bodyBytes(context: context))
        guard let token = form["token"], case .approver(let name, _)? = authenticator.principal(for: token) else {
            return Self.html(ConsolePages.login(error: "That is not a valid approver token."), status: .unauthorized)
        }
        let secret = Self.randomToken()
        let now = Date()
        try await gateway.store.saveSession(
            ConsoleSession(
                tokenHash: Authenticator.hex(Authenticator.hash(secret)), approver: name, csrfToken: Self.randomToken(), createdAt: now,
                expiresAt: now.addingTimeInterval(Self.sessionLifetime)))
        var response = Self.redirect("/")
        response.setCookie(
            Cookie(
                name: Self.cookieName, value: secret, maxAge: Int(Self.sessionLifetime), path: "/", secure: secureCookies, httpOnly: true,
                sameSite: .strict))
        return response
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        guard let (session, _) = try await signedIn(request) else { return Self.redirect("/login") }
        try origins.check(request)
        let form = FormBody.parse(try await request.bodyBytes(context: context))
        try Self.checkCSRF(form["csrf"], session)
        try await gateway.store.deleteSession(tokenHash: session.tokenHash)
        var response = Self.redirect("/login")
        response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    /// The session and the approver it signs in, or `nil`.
    func signedIn(_ request: Request) async throws -> (ConsoleSession, Principal)? {
        guard let value = request.cookies[Self.cookieName]?.value, !value.isEmpty,
            let session = try await gateway.store.session(tokenHash: Authenticator.hex(Authenticator.hash(value))),
            session.expiresAt > Date()
        else { return nil }
        guard let rights = approvers[session.approver] else { return nil }
        return (session, .approver(session.approver, rights))
    }

    static func checkCSRF(_ presented: String?, _ session: ConsoleSession) throws {
        guard let presented, Authenticator.constantTimeEqual(Array(presented.utf8), Array(session.csrfToken.utf8)) else {
            throw APIError(.forbidden, code: .csrf, "the form's CSRF token is missing or wrong: reload the page and try again")
        }
    }

    // MARK: Decisions

    /// A decision from a card: JSON from the console's script (`X-CSRF-Token`), or a plain form post.
    @Sendable func decide(_ request: Request, context: Context) async throws -> Response {
        guard let (session, principal) = try await signedIn(request) else {
            throw APIError(.unauthorized, code: .unauthorized, "sign in again: the session has ended")
        }
        try origins.check(request)
        let id = try context.parameters.require("id")
        let bytes = try await request.bodyBytes(context: context)
        let isJSON = request.headers[.contentType]?.hasPrefix("application/json") == true
        var fields: [String: String] = [:]
        if isJSON {
            try Self.checkCSRF(request.headers[HTTPField.Name("X-CSRF-Token")!], session)
            let value = try JSONValue.object(in: bytes)
            try value.requireOnlyMembers(["decision", "comment"], code: .invalidDecision)
            fields["decision"] = value["decision"]?.stringValue
            fields["comment"] = try ApprovalsController.comment(value, code: .invalidDecision)
        } else {
            fields = FormBody.parse(bytes)
            try Self.checkCSRF(fields["csrf"], session)
        }
        guard let decision = fields["decision"].flatMap(HumanDecision.init(rawValue:)) else {
            throw APIError(.unprocessableContent, code: .invalidDecision, "decision must be one of approve, reject, take_over")
        }
        do {
            let view = try await gateway.decide(approvalID: id, decision, comment: fields["comment"], by: principal)
            guard isJSON else { return Self.redirect("/") }
            return APIEncoding.response(Self.eventJSON(view, csrf: session.csrfToken, policy: gateway.policy))
        } catch let error as GatewayError where !isJSON {
            // A code, never the message: the page maps it to a fixed sentence.
            return Self.redirect("/?error=" + ConsoleNotice(error.code).rawValue)
        }
    }

    // MARK: Live queue

    /// Server-sent events: every change to an approval as `event: approval` with its id, status,
    /// who decided, and the card's HTML when it is pending; a comment every 15 s keeps proxies open.
    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        guard let (session, _) = try await signedIn(request) else { throw APIError.unauthorized }
        // The page's own filter: cards of other agents, operations or risk classes are not sent.
        let filter = try ApprovalFilter(query: request.uri.queryParameters)
        let stream = gateway.events.subscribe()
        let csrf = session.csrfToken
        let policy = gateway.policy
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(
            status: .ok, headers: headers,
            body: .init { writer in
                try await writer.write(ByteBuffer(string: ": connected\nretry: 2000\n\n"))
                // Events and keep-alive ticks meet in one stream; shutdown or a gone client ends it.
                let (items, output) = AsyncStream<LiveItem>.makeStream(bufferingPolicy: .bufferingNewest(512))
                try await withGracefulShutdownHandler {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await event in stream { output.yield(.event(event)) }
                            output.finish()
                        }
                        group.addTask {
                            while true {
                                try await Task.sleep(for: .seconds(15))
                                output.yield(.tick)
                            }
                        }
                        defer { group.cancelAll() }
                        for await item in items {
                            switch item {
                            case .event(.changed(let view)):
                                if view.approval.status == .pending, !Self.matches(view, filter) { continue }
                                var bytes = Array("event: approval\ndata: ".utf8)
                                bytes += Self.eventJSON(view, csrf: csrf, policy: policy)
                                bytes += Array("\n\n".utf8)
                                try await writer.write(ByteBuffer(bytes: bytes))
                            case .tick:
                                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                            }
                        }
                    }
                } onGracefulShutdown: {
                    output.finish()
                }
                try await writer.finish(nil)
            })
    }

    /// Whether a card belongs on a queue page narrowed by `filter`.
    static func matches(_ view: ApprovalView, _ filter: ApprovalFilter) -> Bool {
        let proposal = view.proposal.proposal
        // Byte by byte, as the stores compare (Swift's String == would equate canonically equivalent text).
        func same(_ wanted: String?, _ value: String) -> Bool { wanted.map { $0.utf8.elementsEqual(value.utf8) } ?? true }
        return same(filter.agent, proposal.agent) && same(filter.operation, proposal.operation)
            && same(filter.riskClass, view.proposal.verdict.riskClass)
    }

    /// `{"id", "status", "decided_by", "html"?}`: the card to show (pending) or to remove.
    static func eventJSON(_ view: ApprovalView, csrf: String, policy: Policy) -> [UInt8] {
        var writer = JSONWriter(capacity: 2048)
        writer.raw("{")
        writer.member("id", view.approval.id)
        writer.member("status", view.approval.status.rawValue)
        writer.member("decided_by", view.approval.decidedBy)
        if view.approval.status == .pending {
            writer.member("html", ConsolePages.card(view, csrf: csrf, decisions: policy.decisions(for: view.proposal.proposal.operation)))
        }
        writer.raw("}")
        return writer.bytes
    }

    // MARK: Responses

    /// Pages never load anything from elsewhere, are never framed, and are never cached.
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        // Never a referrer to other sites; but same-origin, not no-referrer: under no-referrer a
        // browser posts the console's own forms with `Origin: null`, which the login-CSRF check
        // (ConsoleOrigins) must refuse, so nobody could sign in.
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-cache", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

/// One item of the merged live stream.
enum LiveItem: Sendable {
    case event(ApprovalEvents.Event)
    case tick
}
