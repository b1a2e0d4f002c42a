import CountersignChannels
import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignSQLite
import CountersignStore
import CountersignTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// The link secret of the channel tests.
let emailLinkSecret = "email-link-secret-0123456789abcdef"

/// The approvers of the channel tests: alice (unlimited), carol (read_only only), dave (unlimited).
let channelApprovers: [ServerConfiguration.Approver] = [
    .init(name: "alice", token: Secret(Secrets.alice), email: "alice@example.com", phone: "+15551230001"),
    .init(
        name: "carol", token: Secret(Secrets.limited), email: "carol@example.com", phone: "+15551230002",
        rights: ApproverRights(riskClasses: ["read_only"])),
    .init(name: "dave", token: Secret(Secrets.dave), email: "dave@example.com", phone: "+15551230003"),
]

/// The real application with `channels` configured, over real HTTP.
func withChannelServer<Value: Sendable>(
    on kind: StoreKind = .sqlite, channels: ServerConfiguration.Channels, policy: Policy = .default,
    _ test: @Sendable (any TestClientProtocol, CountersignApplication.Parts, ServerConfiguration) async throws -> Value
) async throws -> Value {
    try await kind.with { store in try await withChannelServer(store: store, channels: channels, policy: policy, test) }
}

private func withChannelServer<Value: Sendable>(
    store: any GatewayStore, channels: ServerConfiguration.Channels, policy: Policy,
    _ test: @Sendable (any TestClientProtocol, CountersignApplication.Parts, ServerConfiguration) async throws -> Value
) async throws -> Value {
    var configuration = ServerConfiguration(policy: policy, approvers: channelApprovers)
    configuration.http.port = 0
    configuration.http.publicURL = "https://countersign.example.com"
    configuration.channels = channels
    let credentials: [Authenticator.Credential] =
        [.init(secret: Secrets.agent, principal: .agent("support-bot"))]
        + channelApprovers.map { .init(secret: $0.token, principal: .approver($0.name, $0.rights)) }
    let (application, parts) = try CountersignApplication.build(configuration: configuration, store: store, credentials: credentials)
    let frozen = configuration
    return try await application.test(.live) { client in try await test(client, parts, frozen) }
}

/// A refund held for approval (non-ASCII action, dollars); returns the approval id.
func proposeHeldRefund(_ client: any TestClientProtocol, amount: Int = 120) async throws -> String {
    let body =
        #"{"idempotency_key":"\#(UUID().uuidString)","agent":"support-bot","operation":"refund","confidence":0.9,"amount":\#(amount),"currency":"USD","subject":"c-1","action":"Rückerstattung für Bestellung A-1","reasoning":"The parcel arrived damaged","fallback":"Tell the customer we'll call back"}"#
    let response = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
    return try #require(response.json[path: "approval", "id"] as? String, "\(response.status) \(response.json)")
}

/// A channel outbox message as the routing would write it.
func channelMessage(kind: String, approver: String, approvalID: String, event: String = "card") -> OutboxMessage {
    OutboxMessage(
        id: UUID().uuidString.lowercased(), kind: kind, destination: approver, owner: approver,
        payload: #"{"approval_id":"\#(approvalID)","event":"\#(event)"}"#, nextAttemptAt: Date(), createdAt: Date())
}

extension TestClientProtocol {
    /// A GET or form POST of an HTML page: status and text.
    func page(_ method: HTTPRequest.Method, _ uri: String, form: String? = nil) async throws -> (status: HTTPResponse.Status, text: String) {
        var headers: HTTPFields = [:]
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await execute(uri: uri, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) }) { response in
            (response.status, String(buffer: response.body))
        }
    }

    func approvalStatus(_ id: String) async throws -> String? {
        try await call(.get, "/v1/approvals/\(id)", secret: Secrets.alice).json["status"] as? String
    }
}

@Suite(
    "Email channel: a real SMTP server, one-click links",
    .enabled(if: ChannelTestEnvironment.venv != nil, Comment(rawValue: ChannelTestEnvironment.skipMessage)))
struct EmailChannelTests {
    static func emailChannel(
        port: Int, startTLS: String = "required", trust: String? = nil, auth: (String, String)? = ("mailer", "mail-password-123")
    )
        -> ServerConfiguration.Channels
    {
        ServerConfiguration.Channels(
            email: .init(
                host: "localhost", port: port, startTLS: startTLS, username: auth?.0, password: auth.map { Secret($0.1) }, trustRootsFile: trust,
                timeout: 30,
                from: "Countersign Bot <countersign@example.com>", linkSecret: Secret(emailLinkSecret)))
    }

    /// The mails the SMTP server received, once there are `count` of them (or after 20 s).
    static func waitForMails(_ smtp: SMTPPeer, count: Int) async throws -> [[String: Any]] {
        for _ in 0..<400 {
            let mails = try smtp.messages()
            if mails.count >= count { return mails }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try smtp.messages()
    }

    /// The decision links in a card's text part, by label.
    static func links(_ text: String) -> [String: String] {
        var links: [String: String] = [:]
        for line in text.split(separator: "\n") {
            for label in ["Approve", "Reject", "Take over"] where line.hasPrefix(label + ":") {
                let url = line.dropFirst(label.count + 1).trimmingCharacters(in: .whitespaces)
                links[label] = String(url.dropFirst("https://countersign.example.com".count))
            }
        }
        return links
    }

    @Test func aCardArrivesOverSTARTTLSWithAuthAndItsLinkDecidesOnlyOnPOST() async throws {
        let smtp = try await SMTPPeer(tls: true, auth: ("mailer", "mail-password-123"))
        defer { smtp.stop() }
        try await withChannelServer(channels: Self.emailChannel(port: smtp.port, trust: smtp.certificate)) { client, parts, configuration in
            let approvalID = try await proposeHeldRefund(client)
            let channel = EmailChannel(
                configuration.channels.email!, publicURL: configuration.http.publicURL!, gateway: parts.gateway, approvers: configuration.approvers)

            // Routing sends the card, committed with the proposal and delivered by the outbox: one
            // email to each approver who may decide it (alice and dave; carol's limits exclude refunds).
            let mails = try await Self.waitForMails(smtp, count: 2)
            try #require(mails.count == 2)
            #expect(Set(mails.compactMap { ($0["rcpt_tos"] as? [String])?.first }) == ["alice@example.com", "dave@example.com"])
            let mail = try #require(mails.first { ($0["rcpt_tos"] as? [String]) == ["alice@example.com"] })
            #expect(mail["tls"] as? Bool == true)
            #expect(mail["auth"] as? Bool == true)
            #expect(mail["mail_from"] as? String == "countersign@example.com")
            #expect(mail["rcpt_tos"] as? [String] == ["alice@example.com"])
            #expect(mail["to"] as? String == "alice@example.com")
            #expect(mail["from"] as? String == "Countersign Bot <countersign@example.com>")
            #expect(mail["subject"] as? String == "Approval needed (120.00 USD): Rückerstattung für Bestellung A-1")
            #expect(mail["message_id"] as? String == "<card_\(approvalID)_0_email_alice@countersign>")
            #expect(mail["content_type"] as? String == "multipart/alternative")
            #expect((mail["defects"] as? [String])?.isEmpty == true)
            #expect((mail["date"] as? String)?.hasSuffix("+0000") == true)
            let raw = try #require(mail["raw"] as? String)
            #expect(raw.contains("Subject: =?utf-8?B?"), "non-ASCII subjects are RFC 2047 encoded words")
            #expect(!raw.contains("mail-password-123"))
            let html = try #require(mail["html"] as? String)
            // `COUNTERSIGN_RENDER_DIR=…` keeps the card's HTML to look at (headless Chromium screenshot).
            if let directory = ProcessInfo.processInfo.environment["COUNTERSIGN_RENDER_DIR"] {
                try html.write(toFile: directory + "/email-card.html", atomically: true, encoding: .utf8)
            }
            #expect(html.contains("<strong>120.00 USD</strong>"))
            #expect(html.contains("Confidence <strong>90%</strong>"))
            #expect(html.contains("The parcel arrived damaged"))
            #expect(html.contains("Tell the customer we&#39;ll call back"))
            #expect(!html.contains("<img") && !html.contains("<style") && !html.contains("<script"))
            let text = try #require(mail["text"] as? String)
            let links = Self.links(text)
            #expect(links.count == 3)
            let approve = try #require(links["Approve"])
            #expect(approve.hasPrefix("/v1/channels/email/decide?t="))

            // A mail scanner's GET shows the confirmation page and changes nothing.
            for _ in 0..<2 {
                let confirmation = try await client.page(.get, approve)
                #expect(confirmation.status == .ok)
                #expect(confirmation.text.contains("Confirm: Approve"))
                #expect(confirmation.text.contains(#"<form method="post""#))
                if let directory = ProcessInfo.processInfo.environment["COUNTERSIGN_RENDER_DIR"] {
                    try confirmation.text.write(toFile: directory + "/confirmation.html", atomically: true, encoding: .utf8)
                }
            }
            #expect(try await client.approvalStatus(approvalID) == "pending")

            // The form's POST decides, as alice.
            let token = String(approve.dropFirst("/v1/channels/email/decide?t=".count))
            let decided = try await client.page(.post, "/v1/channels/email/decide", form: "t=\(token)&comment=via+email")
            #expect(decided.status == .ok)
            #expect(decided.text.contains("was approved by alice"))
            let view = try await client.call(.get, "/v1/approvals/\(approvalID)", secret: Secrets.alice).json
            #expect(view["status"] as? String == "approved")
            #expect(view["decided_by"] as? String == "alice")
            #expect(view["comment"] as? String == "via email")

            // Single use: the same link again, or another of the card's links, decides nothing and says why.
            let again = try await client.page(.post, "/v1/channels/email/decide", form: "t=\(token)")
            #expect(again.status == .conflict)
            #expect(again.text.contains("Already decided") && again.text.contains("approved by alice"))
            let reject = String(try #require(links["Reject"]).dropFirst("/v1/channels/email/decide?t=".count))
            #expect(try await client.page(.post, "/v1/channels/email/decide", form: "t=\(reject)").status == .conflict)
            #expect(try await client.page(.get, "/v1/channels/email/decide?t=\(reject)").status == .conflict)
            #expect(try await client.approvalStatus(approvalID) == "approved")

            // A card for the decided approval is not sent again (no stale cards); a "decided" notice is.
            try await channel.deliver(channelMessage(kind: "email", approver: "alice", approvalID: approvalID))
            #expect(try smtp.messages().count == 2)
            try await channel.deliver(channelMessage(kind: "email", approver: "dave", approvalID: approvalID, event: "decided"))
            let notice = try #require(try smtp.messages().last)
            #expect(notice["rcpt_tos"] as? [String] == ["dave@example.com"])
            #expect((notice["subject"] as? String)?.contains("approved by alice") == true)
        }
    }

    @Test func startTLSRequiredRefusesAServerWithoutIt() async throws {
        let smtp = try await SMTPPeer(tls: false)
        defer { smtp.stop() }
        try await withChannelServer(channels: Self.emailChannel(port: smtp.port)) { client, parts, configuration in
            let approvalID = try await proposeHeldRefund(client)
            let channel = EmailChannel(
                configuration.channels.email!, publicURL: configuration.http.publicURL!, gateway: parts.gateway, approvers: configuration.approvers)
            let error = await #expect(throws: OutboxDeliveryError.self) {
                try await channel.deliver(channelMessage(kind: "email", approver: "alice", approvalID: approvalID))
            }
            #expect(error?.permanent == true)
            #expect(error?.description.contains("STARTTLS") == true)
            #expect(try smtp.messages().isEmpty)
        }
    }

    /// STARTTLS verifies the server: a certificate nobody configured trust for is refused before AUTH, and nothing is sent.
    @Test func anUntrustedCertificateIsRefusedBeforeCredentialsAreSent() async throws {
        let smtp = try await SMTPPeer(tls: true, auth: ("mailer", "mail-password-123"))
        defer { smtp.stop() }
        let client = SMTPClient(
            configuration: .init(
                host: "localhost", port: smtp.port, startTLS: .required, credentials: ("mailer", "mail-password-123"), timeout: .seconds(30)))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "cs@example.com", to: ["alice@example.com"], message: "Subject: x\r\n\r\ny\r\n")
        }
        #expect(error?.description.contains("mail-password-123") == false)
        #expect(error?.description.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(String(describing: error))")
        #expect(try smtp.messages().isEmpty)
    }

    @Test func aPlainLocalRelayWithoutAuthReceivesTheCard() async throws {
        let smtp = try await SMTPPeer(tls: false)
        defer { smtp.stop() }
        try await withChannelServer(channels: Self.emailChannel(port: smtp.port, startTLS: "when_offered", auth: nil)) {
            client, parts, configuration in
            let approvalID = try await proposeHeldRefund(client)
            let channel = EmailChannel(
                configuration.channels.email!, publicURL: configuration.http.publicURL!, gateway: parts.gateway, approvers: configuration.approvers)
            try await channel.deliver(channelMessage(kind: "email", approver: "alice", approvalID: approvalID))
            let mail = try #require(try smtp.messages().first)
            #expect(mail["tls"] as? Bool == false)
            #expect(Self.links(mail["text"] as? String ?? "").count == 3)
        }
    }

    /// A 4xx reply is a transient failure (the dispatcher retries it), a 5xx reply a permanent one (dead).
    @Test(arguments: [("450 4.2.1 Mailbox busy, try later", false), ("550 5.1.1 No such user", true)])
    func replyCodesMapToRetryOrDead(reply: String, permanent: Bool) async throws {
        let smtp = try await SMTPPeer(tls: false, rcptReply: reply)
        defer { smtp.stop() }
        try await withChannelServer(channels: Self.emailChannel(port: smtp.port, startTLS: "when_offered", auth: nil)) {
            client, parts, configuration in
            let approvalID = try await proposeHeldRefund(client)
            let channel = EmailChannel(
                configuration.channels.email!, publicURL: configuration.http.publicURL!, gateway: parts.gateway, approvers: configuration.approvers)
            let error = await #expect(throws: OutboxDeliveryError.self) {
                try await channel.deliver(channelMessage(kind: "email", approver: "alice", approvalID: approvalID))
            }
            #expect(error?.permanent == permanent)
            #expect(error?.description.contains(String(reply.prefix(3))) == true)
        }
    }

    /// A server that accepts the connection and never answers: the client gives up after its timeout, as a transient failure.
    @Test func aSilentServerTimesOut() async throws {
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: ChannelTestEnvironment.venv! + "/bin/python")
        listener.arguments = [
            "-c",
            "import socket,sys,time\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen();print(s.getsockname()[1],flush=True)\nc=s.accept();time.sleep(30)",
        ]
        let output = Pipe()
        listener.standardOutput = output
        try listener.run()
        defer { listener.terminate() }
        let handle = output.fileHandleForReading
        let line = try await blocking { String(decoding: handle.availableData, as: UTF8.self) }.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try #require(Int(line))
        let client = SMTPClient(configuration: .init(host: "127.0.0.1", port: port, startTLS: .never, timeout: .seconds(1)))
        let started = ContinuousClock.now
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "cs@example.com", to: ["alice@example.com"], message: "Subject: x\r\n\r\ny\r\n")
        }
        #expect(error?.transient == true)
        #expect(error?.message.contains("did not finish") == true, "\(String(describing: error))")
        // The listener holds the connection for 30 s: giving up well before that is the client's own timeout
        // (generous bound: on two busy cores the whole test suite shares the cooperative pool).
        #expect(ContinuousClock.now - started < .seconds(25))
    }

    /// AUTH LOGIN when PLAIN is not offered; a wrong password (535) is permanent and sends nothing.
    @Test(arguments: [("mail-password-123", true), ("wrong-password-456", false)])
    func authLoginWorksAndAWrongPasswordIsPermanent(password: String, accepted: Bool) async throws {
        let smtp = try await SMTPPeer(tls: true, auth: ("mailer", "mail-password-123"), loginOnly: true)
        defer { smtp.stop() }
        let client = SMTPClient(
            configuration: .init(
                host: "localhost", port: smtp.port, startTLS: .required, credentials: ("mailer", password), trustRootsFile: smtp.certificate,
                timeout: .seconds(30)))
        let mail = MIMEMessage(
            from: "cs@example.com", to: "alice@example.com", subject: "LOGIN", messageID: "login@countersign", date: Date(), text: "t",
            html: "<p>h</p>")
        if accepted {
            try await client.send(from: "cs@example.com", to: ["alice@example.com"], message: mail.rendered())
            let received = try smtp.messages()
            #expect(received.count == 1 && received.first?["auth"] as? Bool == true && received.first?["tls"] as? Bool == true)
        } else {
            let error = await #expect(throws: SMTPError.self) {
                try await client.send(from: "cs@example.com", to: ["alice@example.com"], message: mail.rendered())
            }
            #expect(error?.code == 535 && error?.transient == false, "\(String(describing: error))")
            #expect(error?.description.contains(password) == false)
            #expect(try smtp.messages().isEmpty)
        }
    }

    /// Twenty cards in a row over STARTTLS with AUTH: every one arrives, each with its own Message-ID and links.
    @Test func twentyCardsArriveEachWithItsOwnMessageIDAndLinks() async throws {
        let smtp = try await SMTPPeer(tls: true, auth: ("mailer", "mail-password-123"))
        defer { smtp.stop() }
        try await withChannelServer(channels: Self.emailChannel(port: smtp.port, trust: smtp.certificate)) { client, _, _ in
            let started = ContinuousClock.now
            for _ in 0..<20 { _ = try await proposeHeldRefund(client) }
            // Routed by the server: alice and dave may decide each one.
            let mails = try await Self.waitForMails(smtp, count: 40)
            let elapsed = ContinuousClock.now - started
            #expect(mails.count == 40)
            #expect(Set(mails.compactMap { $0["message_id"] as? String }).count == 40)
            #expect(Set(mails.compactMap { Self.links($0["text"] as? String ?? "")["Approve"] }).count == 40)
            print("email channel: 20 proposals, 40 cards over STARTTLS+AUTH to a local aiosmtpd in \(elapsed) (\(elapsed / 40) each)")
        }
    }

    /// Through the running server's outbox dispatcher, as routing will use it: a held proposal committed with its
    /// `email` outbox message is mailed; a 4xx reply leaves the message pending for a retry, a 5xx reply makes it dead.
    @Test(.serialized, arguments: [(nil as String?, "delivered"), ("451 4.3.0 Try again later", "pending"), ("550 5.1.1 No such user", "dead")])
    func theDispatcherDeliversRetriesOrBuriesEmail(rcptReply: String?, status: String) async throws {
        let smtp = try await SMTPPeer(tls: false, rcptReply: rcptReply)
        defer { smtp.stop() }
        try await withChannelServer(channels: Self.emailChannel(port: smtp.port, startTLS: "when_offered", auth: nil)) { _, parts, configuration in
            let now = Date()
            let proposal = Proposal(agent: "support-bot", operation: "refund", confidence: 0.9, amount: 80, currency: "USD", action: "Refund A-9")
            let record = ProposalRecord(
                id: UUID().uuidString.lowercased(), proposal: proposal, verdict: DecisionEngine(policy: .default).decide(proposal), createdAt: now)
            let approval = ApprovalRecord(
                id: UUID().uuidString.lowercased(), proposalID: record.id, status: .pending, deadline: now.addingTimeInterval(600), fallback: "f",
                createdAt: now)
            let message = channelMessage(kind: "email", approver: "alice", approvalID: approval.id)
            _ = try await parts.gateway.store.propose(agent: "support-bot", idempotencyKey: nil, history: nil) { _ in
                PreparedProposal(proposal: record, approval: approval, audit: [], outbox: [message])
            }
            // A second dispatcher on the same store (as on another replica; leases keep them apart) claims due messages as
            // it starts, while the server's own sleeps until its next wake-up. It has its own gateway: one wake-up signal, one sleeper.
            let channel = EmailChannel(
                configuration.channels.email!, publicURL: configuration.http.publicURL!, gateway: parts.gateway, approvers: configuration.approvers)
            let replica = Gateway(store: parts.gateway.store, configuration: .init(policy: .default))
            let dispatcher = Task { try await OutboxDispatcher(gateway: replica, deliveries: [channel]).run() }
            defer { dispatcher.cancel() }
            var found: OutboxMessage?
            for _ in 0..<100 {
                for candidate in [OutboxMessage.Status.delivered, .dead, .pending] {
                    if let match = try await parts.gateway.store.outbox(status: candidate, limit: 50).first(where: { $0.id == message.id }),
                        match.attempts > 0, match.status != .pending || match.lastError != nil
                    {
                        found = match
                    }
                }
                if found != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let result = try #require(found)
            #expect(result.status.rawValue == status, "\(result)")
            if let rcptReply { #expect(result.lastError?.contains(String(rcptReply.prefix(3))) == true) }
            let mails = try smtp.messages()
            if rcptReply == nil {
                // At least once: a retry after a slow reply may send it again, always with the same Message-ID to dedupe by.
                #expect(!mails.isEmpty)
                #expect(Set(mails.compactMap { $0["message_id"] as? String }) == ["<\(message.id)@countersign>"])
            } else {
                #expect(mails.isEmpty)
            }
        }
    }
}

/// The one-click links and the delivery's refusals, without an SMTP server (no venv needed).
@Suite("Email channel: signed links and refusals")
struct EmailDecisionLinkTests {
    @Test func forgedTamperedReplayedAndExpiredLinksAreRefused() async throws {
        try await withChannelServer(channels: EmailChannelTests.emailChannel(port: 9)) { client, _, _ in
            let first = try await proposeHeldRefund(client)
            let second = try await proposeHeldRefund(client)
            let secret = Array(emailLinkSecret.utf8)
            let deadline = Date().addingTimeInterval(600)
            let good = DecisionLinkToken(approvalID: first, decision: .approve, approver: "alice", expiresAt: deadline).encoded(secret: secret)
            let signature = good.split(separator: ".").map(String.init)[1]
            // The payload of another approval, decision or approver under the first token's signature.
            func swapped(_ token: DecisionLinkToken) -> String {
                token.encoded(secret: secret).split(separator: ".")[0] + "." + signature
            }
            let cases: [(String, String, HTTPResponse.Status)] = [
                (
                    "forged with another key",
                    DecisionLinkToken(approvalID: first, decision: .approve, approver: "alice", expiresAt: deadline)
                        .encoded(secret: Array("another-secret-0123456789abcdef".utf8)), .forbidden
                ),
                (
                    "replayed for another approval", swapped(.init(approvalID: second, decision: .approve, approver: "alice", expiresAt: deadline)),
                    .forbidden
                ),
                (
                    "replayed for another decision", swapped(.init(approvalID: first, decision: .reject, approver: "alice", expiresAt: deadline)),
                    .forbidden
                ),
                (
                    "replayed for another approver", swapped(.init(approvalID: first, decision: .approve, approver: "dave", expiresAt: deadline)),
                    .forbidden
                ),
                ("a later expiry", swapped(.init(approvalID: first, decision: .approve, approver: "alice", expiresAt: deadline + 3600)), .forbidden),
                ("truncated signature", String(good.dropLast(4)), .forbidden),
                ("garbage", "not-a-token", .forbidden),
                ("empty", "", .badRequest),
                (
                    "expired",
                    DecisionLinkToken(approvalID: first, decision: .approve, approver: "alice", expiresAt: Date().addingTimeInterval(-1))
                        .encoded(secret: secret), .gone
                ),
                (
                    "an approver not in the configuration",
                    DecisionLinkToken(approvalID: first, decision: .approve, approver: "mallory", expiresAt: deadline)
                        .encoded(secret: secret), .forbidden
                ),
            ]
            for (name, token, status) in cases {
                let get = try await client.page(.get, "/v1/channels/email/decide?t=\(token)")
                #expect(get.status == status, "GET \(name)")
                let post = try await client.page(.post, "/v1/channels/email/decide", form: "t=\(token)")
                #expect(post.status == status, "POST \(name)")
                #expect(!post.text.contains("Internal"), "\(name)")
            }
            #expect(try await client.approvalStatus(first) == "pending")
            #expect(try await client.approvalStatus(second) == "pending")

            // The approver's limits apply: carol may only decide read_only actions.
            let carol = DecisionLinkToken(approvalID: first, decision: .approve, approver: "carol", expiresAt: deadline).encoded(secret: secret)
            let refused = try await client.page(.post, "/v1/channels/email/decide", form: "t=\(carol)")
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("Not decided"))
            #expect(try await client.approvalStatus(first) == "pending")
            // And the genuine token still works.
            #expect(try await client.page(.post, "/v1/channels/email/decide", form: "t=\(good)").status == .ok)
            #expect(try await client.approvalStatus(first) == "approved")
        }
    }

    /// Four eyes through email: the first approval is recorded, the same approver's link cannot give the second, another approver's can.
    @Test func fourEyesApplyToLinks() async throws {
        try await withChannelServer(channels: EmailChannelTests.emailChannel(port: 9), policy: WhoMayDecideTests.fourEyes) { client, _, _ in
            let approvalID = try await proposeHeldRefund(client, amount: 2000)
            let secret = Array(emailLinkSecret.utf8)
            let deadline = Date().addingTimeInterval(600)
            func link(_ approver: String) -> String {
                DecisionLinkToken(approvalID: approvalID, decision: .approve, approver: approver, expiresAt: deadline).encoded(secret: secret)
            }
            let first = try await client.page(.post, "/v1/channels/email/decide", form: "t=\(link("alice"))")
            #expect(first.status == .ok && first.text.contains("First approval recorded"))
            #expect(try await client.approvalStatus(approvalID) == "pending")
            let again = try await client.page(.post, "/v1/channels/email/decide", form: "t=\(link("alice"))")
            #expect(again.status == .forbidden && again.text.contains("different approver"), "\(again.text)")
            let second = try await client.page(.post, "/v1/channels/email/decide", form: "t=\(link("dave"))")
            #expect(second.status == .ok && second.text.contains("was approved by dave"), "\(second.text)")
            #expect(try await client.approvalStatus(approvalID) == "approved")
        }
    }

    @Test func unknownApproversAndBadPayloadsArePermanentFailures() async throws {
        try await withChannelServer(channels: EmailChannelTests.emailChannel(port: 9)) { client, parts, configuration in
            let approvalID = try await proposeHeldRefund(client)
            let channel = EmailChannel(
                configuration.channels.email!, publicURL: configuration.http.publicURL!, gateway: parts.gateway, approvers: configuration.approvers)
            var messages = [
                channelMessage(kind: "email", approver: "mallory", approvalID: approvalID),
                channelMessage(kind: "email", approver: "alice", approvalID: "no-such-approval"),
            ]
            var broken = channelMessage(kind: "email", approver: "alice", approvalID: approvalID)
            broken.payload = "{not json"
            messages.append(broken)
            for message in messages {
                let error = await #expect(throws: OutboxDeliveryError.self) { try await channel.deliver(message) }
                #expect(error?.permanent == true, "\(message.destination) \(message.payload)")
            }
        }
    }
}
