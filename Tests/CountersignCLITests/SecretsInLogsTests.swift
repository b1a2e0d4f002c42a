import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// No secret reaches the logs: the built `countersign serve` at `LOG_LEVEL=trace`, with every
/// channel configured (Slack, email with SMTP AUTH, SMS, agent webhooks) and known secret values,
/// proposes, notifies on every channel, signs in, decides and delivers the webhook; then all it
/// printed is searched for every secret, raw and as hex, base64 and byte lists.
@Suite struct SecretsInLogsTests {
    static let secrets: [String: String] = [
        "CS_LOG_AGENT_KEY": "agent-key-Q7xv2NpL0aZ9",
        "CS_LOG_ALICE_TOKEN": "alice-token-Kd8wPq1Ms3Tb",
        "CS_LOG_WEBHOOK": "whsec_" + Data("webhook-key-bytes-Zr5Hy0Uc".utf8).base64EncodedString(),
        "CS_LOG_SLACK_BOT": "xoxb-slack-bot-Vn4Lg7Ej2Wq",
        "CS_LOG_SLACK_SIGNING": "slack-signing-Fh6Ys9Ca1Op",
        "CS_LOG_SMTP_PASSWORD": "smtp-password-Jt3Rk8Ni5Xm",
        "CS_LOG_LINK_SECRET": "email-link-secret-Bw2Gz6Dq0Ie",
        "CS_LOG_TWILIO": "twilio-auth-token-Hp9Sx4Lv7Ua",
    ]
    static let postgresPassword = "pg-password-Mc1Ye5Tr8Kd"

    /// Every way a secret could be printed: as text, as the hex and base64 of its bytes, and as the
    /// byte lists Swift prints for `[UInt8]` (and for a `whsec_` secret, the same of its key bytes).
    static func forms(of secret: String) -> [String] {
        var keys = [Array(secret.utf8)]
        if secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))) {
            keys.append(Array(bytes))
            keys.append(Array(secret.dropFirst(6).utf8))
        }
        var forms = [secret]
        for key in keys {
            forms.append(String(decoding: key, as: UTF8.self))
            forms.append(key.map { String(format: "%02x", $0) }.joined())
            forms.append(key.map { String(format: "%02X", $0) }.joined())
            forms.append(Data(key).base64EncodedString())
            forms.append(key.prefix(8).map(String.init).joined(separator: ", "))
            forms.append(key.prefix(8).map(String.init).joined(separator: ","))
        }
        // The SMTP AUTH PLAIN token, and halves of secrets (a truncated print).
        forms.append(Data("\0mailer\0\(secret)".utf8).base64EncodedString())
        forms.append(String(secret.prefix(secret.count / 2 + 2)))
        return forms.filter { $0.count >= 8 }
    }

    @Test func aFullRunAtTraceLevelPrintsNoSecret() async throws {
        let peers = Peers()
        let smtp = try SMTPStandIn()
        smtp.start()
        defer { smtp.stop() }
        try await peers.run { port in
            let config = try CLIRunner.temporaryFile(
                """
                http: {public_url: "http://127.0.0.1:9"}
                agents:
                  - name: support-bot
                    key_env: CS_LOG_AGENT_KEY
                    webhook: {url: "http://127.0.0.1:\(port)/hook", secret_env: CS_LOG_WEBHOOK}
                approvers:
                  - {name: alice, token_env: CS_LOG_ALICE_TOKEN, email: alice@example.com, slack_user: U0ALICE, phone: "+15551230001"}
                channels:
                  slack: {bot_token_env: CS_LOG_SLACK_BOT, signing_secret_env: CS_LOG_SLACK_SIGNING, api_url: "http://127.0.0.1:\(port)/api"}
                  email:
                    smtp: {host: 127.0.0.1, port: \(smtp.port), starttls: never, username_env: CS_LOG_SMTP_USER, password_env: CS_LOG_SMTP_PASSWORD}
                    from: "Countersign <countersign@example.com>"
                    link_secret_env: CS_LOG_LINK_SECRET
                  sms:
                    twilio: {account_sid: AC0123456789abcdef0123456789abcdef, auth_token_env: CS_LOG_TWILIO, from: "+15550000000", api_url: "http://127.0.0.1:\(port)"}
                """)
            var environment = Self.secrets
            environment["CS_LOG_SMTP_USER"] = "mailer"
            environment["LOG_LEVEL"] = "trace"
            let server = try await ServerProcess.start(configPath: config, environment: environment)
            defer { server.cleanUp() }
            let agent = server.client(token: Self.secrets["CS_LOG_AGENT_KEY"])
            let alice = server.client(token: Self.secrets["CS_LOG_ALICE_TOKEN"])
            // An urgent refund: cards on Slack, by email and by SMS.
            let proposed = try await agent.post(
                "/v1/proposals",
                #"{"agent":"support-bot","operation":"refund","confidence":0.9,"amount":1200,"currency":"USD","action":"Refund order A-1","idempotency_key":"log-1"}"#
            )
            #expect(proposed.status == 201, "\(proposed)")
            let approval = try #require(proposed.string("approval", "id"))
            try await peers.waitFor(["/api/chat.postMessage", "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"])
            try await smtp.waitForMessage()
            // A forged Slack interaction and a forged Twilio reply are refused (and logged as such).
            _ = try await agent.with(token: nil).post("/v1/channels/slack/interactions", "payload=%7B%7D")
            _ = try await agent.with(token: nil).post("/v1/channels/sms/inbound", "From=%2B15551230001&Body=Y+1234")
            // A long poll, a console sign-in, a decision, a retry, and the agent's webhook.
            _ = try await agent.get("/v1/approvals/\(approval)?wait=0.2")
            _ = try await agent.with(token: nil).post("/login", "token=\(Self.secrets["CS_LOG_ALICE_TOKEN"]!)")
            #expect(try await alice.post("/v1/approvals/\(approval)/decision", #"{"decision":"approve"}"#).status == 200)
            _ = try await agent.post(
                "/v1/proposals",
                #"{"agent":"support-bot","operation":"refund","confidence":0.9,"amount":1200,"currency":"USD","action":"Refund order A-1","idempotency_key":"log-1"}"#
            )
            try await peers.waitFor(["/hook"])
            await server.terminate()
            let output = server.stdout + server.stderr
            // Debug lines are there: ServiceLifecycle names every service it starts.
            #expect(output.contains(" debug ") && output.contains("Starting service"), "the run logged at debug level")
            for (name, secret) in Self.secrets {
                for form in Self.forms(of: secret) {
                    #expect(!output.contains(form), "\(name) appears in the log as \(form)")
                }
            }
            #expect(smtp.received.contains("AUTH PLAIN"), "the password was used")
        }
    }

    @Test func aPostgresURLsPasswordIsNotPrinted() async throws {
        // Nothing listens on port 9: the start fails, and says so without the password.
        let result = try await ServerProcess.Child.run(
            ["serve", "--postgres", "postgres://countersign:\(Self.postgresPassword)@127.0.0.1:9/countersign", "--port", "0"],
            environment: ["LOG_LEVEL": "trace"], timeout: .seconds(60))
        #expect(result.status != 0)
        let output = result.stdout + result.stderr
        #expect(output.contains("PostgreSQL"), "\(output)")
        for form in Self.forms(of: Self.postgresPassword) { #expect(!output.contains(form), "\(form) in \(output)") }
    }

    /// Slack's Web API, Twilio's Messages API and the agent's webhook receiver, on one port.
    final class Peers: Sendable {
        let paths = Mutex([String]())

        func waitFor(_ wanted: [String], timeout: Duration = .seconds(60)) async throws {
            let clock = ContinuousClock()
            let end = clock.now + timeout
            while clock.now < end {
                let seen = paths.withLock { Set($0) }
                if wanted.allSatisfy(seen.contains) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("not called: \(wanted) (seen \(paths.withLock { $0 }))")
        }

        func run(_ body: @Sendable (Int) async throws -> Void) async throws {
            let router = Router()
            let record: @Sendable (Request) -> Void = { request in self.paths.withLock { $0.append(request.uri.path) } }
            router.post("api/:method") { request, _ -> Response in
                record(request)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true,"channel":"D0ALICE","ts":"1700000000.000100"}"#)))
            }
            router.post("2010-04-01/Accounts/:sid/Messages.json") { request, _ -> Response in
                record(request)
                return Response(
                    status: .created, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}"#)))
            }
            router.post("hook") { request, _ -> Response in
                record(request)
                return Response(status: .noContent)
            }
            let port = Mutex<Int?>(nil)
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } })
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
                try await body(port.withLock { $0 }!)
                group.cancelAll()
            }
        }
    }
}

/// A minimal SMTP server on loopback (EHLO with AUTH PLAIN, MAIL, RCPT, DATA, QUIT), on its own
/// thread, that accepts every message and keeps what it was sent.
final class SMTPStandIn: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var transcript = ""
    private var messages = 0

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw ServerProcess.Failure(description: "the SMTP stand-in could not listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts answering connections, on a thread of its own.
    func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var received: String { lock.withLock { transcript } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    func waitForMessage(timeout: Duration = .seconds(60)) async throws {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while clock.now < end {
            if lock.withLock({ messages }) > 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no email arrived: \(received)")
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ connection: Int32) {
        func say(_ line: String) { _ = Array(line.utf8).withUnsafeBytes { write(connection, $0.baseAddress, $0.count) } }
        var pending = ""
        var inData = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        say("220 localhost ESMTP stand-in\r\n")
        while true {
            let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            lock.withLock { transcript += text }
            pending += text
            while let end = pending.range(of: "\r\n") {
                let line = String(pending[..<end.lowerBound])
                pending = String(pending[end.upperBound...])
                if inData {
                    if line == "." {
                        inData = false
                        lock.withLock { messages += 1 }
                        say("250 queued\r\n")
                    }
                    continue
                }
                let verb = line.prefix(4).uppercased()
                switch verb {
                case "EHLO": say("250-localhost\r\n250 AUTH PLAIN LOGIN\r\n")
                case "AUTH": say("235 authenticated\r\n")
                case "DATA":
                    inData = true
                    say("354 go ahead\r\n")
                case "QUIT":
                    say("221 bye\r\n")
                    return
                default: say("250 ok\r\n")
                }
            }
        }
    }
}
