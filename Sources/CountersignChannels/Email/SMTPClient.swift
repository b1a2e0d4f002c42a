import CountersignCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A small SMTP submission client (RFC 5321) on SwiftNIO: EHLO, STARTTLS when offered (or
/// required), AUTH PLAIN or LOGIN, MAIL FROM / RCPT TO / DATA with dot-stuffing, QUIT. One
/// connection per message; the whole conversation is bounded by `timeout`.
public struct SMTPClient: Sendable {
    /// When to upgrade the connection with STARTTLS.
    public enum StartTLS: String, Sendable, Hashable, CaseIterable {
        /// Refuse to send unless the server offers STARTTLS and the handshake succeeds.
        case required
        /// Upgrade when the server offers it, send in clear otherwise (no AUTH in clear).
        case whenOffered = "when_offered"
        /// Never upgrade (a relay on loopback); AUTH is then sent in clear.
        case never
    }

    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var startTLS: StartTLS
        /// User name and password (from the environment), or `nil` for no AUTH.
        public var credentials: (username: String, password: Secret)?
        /// A PEM file of certificates to trust instead of the system's (a private relay's CA).
        public var trustRootsFile: String?
        /// The name this client greets with.
        public var heloName: String
        public var timeout: Duration

        public init(
            host: String, port: Int = 587, startTLS: StartTLS = .required, credentials: (username: String, password: String)? = nil,
            trustRootsFile: String? = nil, heloName: String = "countersign.localhost", timeout: Duration = .seconds(30)
        ) {
            self.host = host
            self.port = port
            self.startTLS = startTLS
            self.credentials = credentials.map { (username: $0.username, password: Secret($0.password)) }
            self.trustRootsFile = trustRootsFile
            self.heloName = heloName
            self.timeout = timeout
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Sends `message` (complete RFC 5322 text) from envelope sender `from` to `recipients`.
    public func send(from: String, to recipients: [String], message: String) async throws(SMTPError) {
        let configuration = configuration
        // An address is one token: no line breaks or brackets that could smuggle in another command.
        for address in [from] + recipients where address.isEmpty || address.contains(where: { "\r\n<> ".contains($0) }) {
            throw SMTPError("not a usable email address: \(address.debugDescription)", transient: false)
        }
        guard !recipients.isEmpty else { throw SMTPError("no recipients", transient: false) }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(Int64(configuration.timeout.components.seconds)))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
        } catch {
            throw SMTPError("cannot connect to \(configuration.host):\(configuration.port): \(error)", transient: true)
        }
        let raw = channel.channel
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await channel.executeThenClose { inbound, outbound in
                        var session = SMTPSession(inbound: inbound.makeAsyncIterator(), outbound: outbound, channel: raw)
                        try await session.run(configuration, from: from, to: recipients, message: message)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: configuration.timeout)
                    raw.close(promise: nil)
                    throw SMTPError("the SMTP server did not finish within \(configuration.timeout)", transient: true)
                }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        } catch let error as SMTPError {
            raw.close(promise: nil)
            throw error
        } catch {
            raw.close(promise: nil)
            throw SMTPError("SMTP conversation failed: \(error)", transient: true)
        }
    }

    /// The address inside `Name <address>`, or the text itself.
    public static func address(_ mailbox: String) -> String {
        if let open = mailbox.lastIndex(of: "<"), let close = mailbox.lastIndex(of: ">"), open < close {
            return String(mailbox[mailbox.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        return mailbox.trimmingCharacters(in: .whitespaces)
    }
}

/// One conversation, command by command.
private struct SMTPSession {
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel
    var pending: [UInt8] = []
    var secure = false

    init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel) {
        self.inbound = inbound
        self.outbound = outbound
        self.channel = channel
    }

    mutating func run(_ configuration: SMTPClient.Configuration, from: String, to recipients: [String], message: String) async throws {
        try expect(try await reply(), "the greeting")
        var extensions = try await ehlo(configuration.heloName)
        if configuration.startTLS != .never {
            if extensions.contains("STARTTLS") {
                try expect(try await command("STARTTLS"), "STARTTLS")
                try await upgrade(configuration)
                do {
                    extensions = try await ehlo(configuration.heloName)
                } catch {
                    // A failed handshake closes the channel; its own error says more than the write that found it closed.
                    var reason = "\(error)"
                    do { _ = try await inbound.next() } catch let handshake { reason = "\(handshake)" }
                    throw SMTPError(
                        "TLS with \(configuration.host) failed (is its certificate trusted? see smtp.trust_roots): \(reason)", transient: true)
                }
            } else if configuration.startTLS == .required {
                throw SMTPError("the server does not offer STARTTLS and starttls is required; nothing was sent", transient: false)
            }
        }
        if let credentials = configuration.credentials {
            guard secure || configuration.startTLS == .never else {
                throw SMTPError("refusing to send credentials over an unencrypted connection", transient: false)
            }
            try await authenticate(credentials, offered: extensions)
        }
        try expect(try await command("MAIL FROM:<\(from)>"), "MAIL FROM")
        for recipient in recipients { try expect(try await command("RCPT TO:<\(recipient)>"), "RCPT TO") }
        try expect(try await command("DATA"), "DATA")
        try await write(SMTPDotStuffing.encode(message))
        try expect(try await reply(), "the message")
        _ = try? await command("QUIT")
    }

    /// EHLO; returns the extension keywords (upper case), with AUTH's mechanisms as `AUTH <MECH>`.
    mutating func ehlo(_ name: String) async throws -> Set<String> {
        let answer = try await command("EHLO \(name)")
        try expect(answer, "EHLO")
        var keywords: Set<String> = []
        for line in answer.lines.dropFirst() {
            let words = line.uppercased().split(separator: " ")
            guard let first = words.first else { continue }
            keywords.insert(String(first))
            if first == "AUTH" { for mechanism in words.dropFirst() { keywords.insert("AUTH \(mechanism)") } }
        }
        return keywords
    }

    mutating func authenticate(_ credentials: (username: String, password: Secret), offered: Set<String>) async throws {
        if offered.contains("AUTH PLAIN") {
            let token = Data(Array("\0\(credentials.username)\0\(credentials.password.revealed)".utf8)).base64EncodedString()
            try expect(try await command("AUTH PLAIN \(token)"), "AUTH PLAIN")
        } else if offered.contains("AUTH LOGIN") {
            let start = try await command("AUTH LOGIN")
            guard start.code == 334 else { throw SMTPError.reply(start, to: "AUTH LOGIN") }
            let user = try await command(Data(credentials.username.utf8).base64EncodedString())
            guard user.code == 334 else { throw SMTPError.reply(user, to: "AUTH LOGIN") }
            try expect(try await command(Data(credentials.password.revealedBytes).base64EncodedString()), "AUTH LOGIN")
        } else {
            throw SMTPError("the server offers neither AUTH PLAIN nor AUTH LOGIN", transient: false)
        }
    }

    mutating func upgrade(_ configuration: SMTPClient.Configuration) async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = configuration.trustRootsFile { tls.trustRoots = .file(file) }
        let context = try NIOSSLContext(configuration: tls)
        let host = configuration.host
        let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { Int($0) != nil }
        let channel = channel
        try await channel.eventLoop.submit {
            let handler = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
        secure = true
    }

    func expect(_ reply: SMTPReply, _ what: String) throws {
        guard reply.isPositive else { throw SMTPError.reply(reply, to: what) }
    }

    /// Sends one command line and reads its reply (errors name the command, never its arguments).
    mutating func command(_ line: String) async throws -> SMTPReply {
        try await write(line + "\r\n")
        return try await reply()
    }

    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Reads lines until a complete reply.
    mutating func reply() async throws -> SMTPReply {
        var parser = SMTPReplyParser()
        while true {
            let line = try await readLine()
            if let reply = try parser.feed(line) { return reply }
        }
    }

    mutating func readLine() async throws -> String {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<end])
                pending.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count < 64 * 1024 else { throw SMTPError("the server sent a line longer than 64 KiB", transient: true) }
            guard let buffer = try await inbound.next() else {
                throw SMTPError("the SMTP server closed the connection", transient: true)
            }
            pending.append(contentsOf: buffer.readableBytesView)
        }
    }
}
