import Foundation
import Yams

/// The proxy's configuration: where the gateway is, how tools become proposals, how long to wait.
/// Read once, at start, from a YAML (or JSON) file and the environment; see docs/mcp-proxy.md.
public struct ProxyConfiguration: Sendable {
    /// How one upstream tool becomes a proposal.
    public struct ToolRule: Sendable, Hashable {
        /// The proposal's operation (the policy maps it to a risk class); the tool's name when nil.
        public var operation: String?
        /// The confidence when the call's `_meta` does not carry `dev.countersign/confidence`.
        public var confidence: Double?
        /// A JSON pointer into the arguments: the amount the call moves.
        public var amount: String?
        /// A JSON pointer into the arguments: the amount's currency.
        public var currency: String?
        /// A JSON pointer into the arguments: the subject (end user) the call affects.
        public var subject: String?
        /// The fallback shown when the call is not executed.
        public var fallback: String?

        /// A rule.
        public init(
            operation: String? = nil, confidence: Double? = nil, amount: String? = nil, currency: String? = nil, subject: String? = nil,
            fallback: String? = nil
        ) {
            self.operation = operation
            self.confidence = confidence
            self.amount = amount
            self.currency = currency
            self.subject = subject
            self.fallback = fallback
        }
    }

    /// The gateway's base URL.
    public var gatewayURL: URL
    /// The agent name proposals are made as.
    public var agent: String
    /// The agent key (from the environment variable `keyEnvironmentVariable`).
    public var agentKey: String
    /// The upstream's name in bindings, idempotency keys and what the approver sees.
    public var upstreamName: String?
    /// Whether the upstream's tool annotations may choose an operation (only `readOnlyHint`).
    public var trustedUpstream: Bool
    /// The operation for tools a trusted upstream annotates `readOnlyHint: true` and that have no rule.
    public var readOnlyOperation: String
    /// The confidence of calls that say nothing and whose tool has none configured.
    public var defaultConfidence: Double
    /// The fallback when neither the tool's rule nor the gateway names one.
    public var defaultFallback: String
    /// Rules by tool name.
    public var tools: [String: ToolRule]
    /// The longest wait for a human when the caller sent no progress token (below the common 60 s client limit).
    public var waitTimeout: Duration
    /// The longest wait when the caller sent a progress token.
    public var waitTimeoutWithProgress: Duration
    /// How often a progress notification is sent while waiting.
    public var progressInterval: Duration
    /// Proposal timeout (how long the approval may wait for a human); the policy's when nil.
    public var approvalTimeout: Duration?
    /// Tools forwarded without a verdict when the gateway cannot be reached (fail open for them only).
    public var forwardWhenUnreachable: Set<String>
    /// The durable record of consumed approvals.
    public var stateFile: String

    /// A configuration with the defaults, for the gateway at `gatewayURL`.
    public init(gatewayURL: URL, agent: String, agentKey: String) {
        self.gatewayURL = gatewayURL
        self.agent = agent
        self.agentKey = agentKey
        upstreamName = nil
        trustedUpstream = false
        readOnlyOperation = "mcp_read_only"
        defaultConfidence = 0.8
        defaultFallback = "The action was not taken: it needs a human's approval. Tell the user and do not retry with changed arguments."
        tools = [:]
        waitTimeout = .seconds(50)
        waitTimeoutWithProgress = .seconds(600)
        progressInterval = .seconds(5)
        approvalTimeout = nil
        forwardWhenUnreachable = []
        stateFile = Self.defaultStateFile()
    }

    /// `$XDG_STATE_HOME/countersign/mcp-proxy-state.json` (or `~/.local/state/…`).
    static func defaultStateFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSTemporaryDirectory()) as NSString).appendingPathComponent(".local/state")
        return (base as NSString).appendingPathComponent("countersign/mcp-proxy-state.json")
    }
}

/// A configuration problem, named for a human (never with a secret in it).
public struct ProxyConfigurationError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var description: String
}

extension ProxyConfiguration {
    private struct File: Decodable {
        struct Gateway: Decodable {
            var url: String?
            var agent: String?
            var key_env: String?
        }
        struct Upstream: Decodable {
            var name: String?
            var trusted: Bool?
        }
        struct Tool: Decodable {
            var operation: String?
            var confidence: Double?
            var amount: String?
            var currency: String?
            var subject: String?
            var fallback: String?
        }
        struct Wait: Decodable {
            var timeout: String?
            var timeout_with_progress: String?
            var progress_interval: String?
            var approval_timeout: String?
        }
        struct Unreachable: Decodable {
            var forward: [String]?
        }
        var gateway: Gateway?
        var upstream: Upstream?
        var default_confidence: Double?
        var fallback: String?
        var read_only_operation: String?
        var tools: [String: Tool]?
        var wait: Wait?
        var unreachable: Unreachable?
        var state_file: String?
    }

    /// Loads the configuration: the file (when given), then the environment (`COUNTERSIGN_URL`,
    /// `COUNTERSIGN_AGENT`, and the key from `gateway.key_env`, default `COUNTERSIGN_AGENT_KEY`),
    /// which wins over the file for the URL and agent.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ProxyConfiguration {
        var file = File()
        if let path {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ProxyConfigurationError(description: "\(path): cannot read the file")
            }
            try checkKeys(text, path: path)
            do { file = try YAMLDecoder().decode(File.self, from: text) } catch {
                throw ProxyConfigurationError(description: "\(path): \(Self.describe(error))")
            }
        }
        let where_ = path ?? "the environment"
        let urlText = environment["COUNTERSIGN_URL"] ?? file.gateway?.url ?? "http://127.0.0.1:8080"
        guard let url = URL(string: urlText), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ProxyConfigurationError(description: "\(where_): gateway.url must be an http(s) URL, got \(urlText)")
        }
        let keyVariable = file.gateway?.key_env ?? "COUNTERSIGN_AGENT_KEY"
        guard let key = environment[keyVariable], !key.isEmpty else {
            throw ProxyConfigurationError(description: "the agent key is missing: set the environment variable \(keyVariable)")
        }
        let agent = environment["COUNTERSIGN_AGENT"] ?? file.gateway?.agent ?? "mcp-proxy"
        var configuration = ProxyConfiguration(gatewayURL: url, agent: agent, agentKey: key)
        configuration.upstreamName = file.upstream?.name
        configuration.trustedUpstream = file.upstream?.trusted ?? false
        if let value = file.read_only_operation { configuration.readOnlyOperation = value }
        if let value = file.default_confidence {
            guard (0...1).contains(value) else { throw ProxyConfigurationError(description: "\(where_): default_confidence must be between 0 and 1") }
            configuration.defaultConfidence = value
        }
        if let value = file.fallback { configuration.defaultFallback = value }
        for (name, tool) in file.tools ?? [:] {
            if let confidence = tool.confidence, !(0...1).contains(confidence) {
                throw ProxyConfigurationError(description: "\(where_): tools.\(name).confidence must be between 0 and 1")
            }
            for (member, pointer) in [("amount", tool.amount), ("currency", tool.currency), ("subject", tool.subject)] {
                if let pointer, !pointer.isEmpty, !pointer.hasPrefix("/") {
                    throw ProxyConfigurationError(description: "\(where_): tools.\(name).\(member) must be a JSON pointer such as /amount")
                }
            }
            configuration.tools[name] = ToolRule(
                operation: tool.operation, confidence: tool.confidence, amount: tool.amount, currency: tool.currency, subject: tool.subject,
                fallback: tool.fallback)
        }
        func duration(_ text: String?, _ name: String) throws -> Duration? {
            guard let text else { return nil }
            guard let value = parseDuration(text), value > .zero else {
                throw ProxyConfigurationError(description: "\(where_): wait.\(name) must be a duration such as 500ms, 50s, 10m or 1h, got \(text)")
            }
            return value
        }
        if let value = try duration(file.wait?.timeout, "timeout") { configuration.waitTimeout = value }
        if let value = try duration(file.wait?.timeout_with_progress, "timeout_with_progress") { configuration.waitTimeoutWithProgress = value }
        if let value = try duration(file.wait?.progress_interval, "progress_interval") { configuration.progressInterval = value }
        configuration.approvalTimeout = try duration(file.wait?.approval_timeout, "approval_timeout")
        configuration.forwardWhenUnreachable = Set(file.unreachable?.forward ?? [])
        if let value = file.state_file {
            configuration.stateFile = (value as NSString).expandingTildeInPath
            if let path, !configuration.stateFile.hasPrefix("/") {
                configuration.stateFile = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(configuration.stateFile)
            }
        }
        return configuration
    }

    /// `500ms`, `50s`, `10m`, `1h`, sums like `1m30s`, or a plain number of seconds.
    static func parseDuration(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return .milliseconds(Int64(seconds * 1000)) }
        var total = Duration.zero
        var number = ""
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            var unit = String(character)
            let next = text.index(after: index)
            if character == "m", next < text.endIndex, text[next] == "s" { unit = "ms" }
            guard let value = Double(number) else { return nil }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            total += .milliseconds(Int64(value * scale * 1000))
            number = ""
            sawUnit = true
            index = text.index(index, offsetBy: unit.count)
        }
        return number.isEmpty && sawUnit ? total : nil
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DecodingError {
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
            @unknown default:
                return "\(error)"
            }
        }
        return "\(error)"
    }
}
