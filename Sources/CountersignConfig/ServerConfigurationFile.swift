import CountersignCore
import Foundation
import Yams

/// Reads `serve`'s YAML configuration, reporting every problem with file, line and column.
public enum ServerConfigurationFile {
    /// Loads the file at `path`; `environment` supplies the secrets it names.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError)
        -> ServerConfiguration
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(issues: [ConfigIssue(file: path, line: 0, column: 0, message: "cannot read the file: \(PolicyFile.reason(error))")])
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(yaml: text, file: path, directory: directory, environment: environment)
    }

    /// Parses configuration YAML. Relative paths (policy file, SQLite file) are taken from `directory`.
    public static func parse(
        yaml: String, file: String, directory: String = ".", environment: [String: String]
    ) throws(ConfigError)
        -> ServerConfiguration
    {
        var reader = YAMLReader(file: file)
        var configuration = ServerConfiguration()
        if let root = reader.compose(yaml), !reader.isNull(root) {
            read(root, &configuration, &reader, directory: directory, environment: environment)
        }
        reader.sortIssues()
        guard reader.issues.isEmpty else { throw ConfigError(issues: reader.issues) }
        return configuration
    }

    private static func read(
        _ root: Node, _ configuration: inout ServerConfiguration, _ reader: inout YAMLReader, directory: String, environment: [String: String]
    ) {
        let keys = ["policy", "database", "http", "agent_limits", "agents", "approvers", "channels", "routing"]
        var routingNode: Node?
        // The policy first: amounts elsewhere (`max_amount`) are in its currency unless they name one.
        let members = (reader.mapping(root, "the configuration", allowed: keys) ?? []).enumerated().sorted {
            ($0.element.key == "policy" ? 0 : 1, $0.offset) < ($1.element.key == "policy" ? 0 : 1, $1.offset)
        }.map(\.element)
        // Every agent's limits start from `agent_limits`, wherever it stands in the file.
        if let defaults = members.first(where: { $0.key == "agent_limits" }) {
            let allowed = ["max_pending", "rate"]
            configuration.agentLimits = readAgentLimits(reader.mapping(defaults.value, "agent_limits", allowed: allowed) ?? [], &reader)
        }
        for (key, _, value) in members {
            switch key {
            case "policy":
                if value.mapping != nil {
                    var policy = Policy.default
                    PolicyFile.read(value, into: &policy, &reader)
                    configuration.policy = policy
                } else if let path = reader.string(value, "policy") {
                    do {
                        configuration.policy = try PolicyFile.load(path: resolve(path, in: directory))
                    } catch {
                        reader.record(value, "the policy file \(path) is invalid:\n\(error.description)")
                    }
                }
            case "database": readDatabase(value, &configuration, &reader, directory: directory)
            case "http": readHTTP(value, &configuration, &reader)
            case "agents":
                for item in reader.sequence(value, "agents") ?? [] {
                    let allowed = ["name", "key_env", "webhook", "max_pending", "rate"]
                    guard let members = reader.mapping(item, "an agent", allowed: allowed) else { continue }
                    let name = members.first { $0.key == "name" }.flatMap { reader.string($0.value, "agents[].name") }
                    let secret = readSecret(members, "key_env", item, &reader, environment)
                    let webhook = members.first { $0.key == "webhook" }.flatMap { readWebhook($0.value, &reader, environment) }
                    let limits = readAgentLimits(members, &reader, defaults: configuration.agentLimits)
                    guard let name, let secret else {
                        if name == nil { reader.record(item, "an agent needs a name") }
                        continue
                    }
                    if configuration.agents.contains(where: { $0.name == name }) { reader.record(item, "agent \(name) is listed twice") }
                    configuration.agents.append(.init(name: name, key: secret, webhook: webhook, limits: limits))
                }
            case "agent_limits": break
            case "approvers":
                for item in reader.sequence(value, "approvers") ?? [] {
                    readApprover(item, &configuration, &reader, environment)
                }
            case "channels": readChannels(value, &configuration, &reader, directory: directory, environment: environment)
            case "routing": routingNode = value
            default: break
            }
        }
        // Routing names approvers, so it is read once they all are.
        if let routingNode { readRouting(routingNode, &configuration, &reader) }
        if configuration.channels.email != nil, configuration.http.publicURL == nil {
            reader.record(root.mark, "channels.email needs http.public_url: the one-click links in emails point there")
        }
        if configuration.channels.sms != nil, configuration.http.publicURL == nil {
            reader.record(root.mark, "channels.sms needs http.public_url: Twilio's webhook signature covers the public URL")
        }
        let secrets = configuration.agents.map(\.key) + configuration.approvers.map(\.token)
        if Set(secrets).count != secrets.count {
            reader.record(root.mark, "two credentials share the same secret: every agent key and approver token must be unique")
        }
    }

    /// `webhook: {url: https://…, secret_env: VAR, callback_hosts: [agent.example.com, hooks.example.com:8443]}`; an
    /// entry without a port allows the scheme's default port only (see `HostAndPort`).
    private static func readWebhook(_ node: Node, _ reader: inout YAMLReader, _ environment: [String: String]) -> ServerConfiguration.Webhook? {
        guard let members = reader.mapping(node, "webhook", allowed: ["url", "secret_env", "callback_hosts"]) else { return nil }
        var url: String?
        var hosts: [String] = []
        for (key, _, value) in members {
            if key == "url", let text = reader.string(value, "webhook.url") {
                guard let components = URLComponents(string: text), components.scheme == "https" || components.scheme == "http",
                    let host = components.host, !host.isEmpty, let address = HostAndPort(url: text)
                else {
                    reader.record(value, "webhook.url must be an http or https URL (without user information)")
                    continue
                }
                url = text
                hosts.append(address.description)
            }
            if key == "callback_hosts" {
                for entry in reader.sequence(value, "webhook.callback_hosts") ?? [] {
                    guard let text = reader.string(entry, "webhook.callback_hosts entries") else { continue }
                    guard let allowed = HostAndPort(entry: text) else {
                        reader.record(
                            entry, "webhook.callback_hosts entries must be a host or host:port, such as hooks.example.com:8443 or [::1]:9000")
                        continue
                    }
                    hosts.append(allowed.description)
                }
            }
        }
        guard let secret = readSecret(members, "secret_env", node, &reader, environment) else { return nil }
        return .init(url: url, secret: secret, callbackHosts: hosts)
    }

    private static func readApprover(
        _ item: Node, _ configuration: inout ServerConfiguration, _ reader: inout YAMLReader, _ environment: [String: String]
    ) {
        let keys = ["name", "token_env", "email", "slack_user", "phone", "may_approve"]
        guard let members = reader.mapping(item, "an approver", allowed: keys) else { return }
        var name: String?
        var approver = ServerConfiguration.Approver(name: "", token: "")
        for (key, _, value) in members {
            switch key {
            case "name": name = reader.string(value, "approvers[].name")
            case "email": approver.email = reader.string(value, "approvers[].email")
            case "slack_user": approver.slackUser = reader.string(value, "approvers[].slack_user")
            case "phone":
                approver.phone = reader.string(value, "approvers[].phone")
                if let phone = approver.phone, !isE164(phone) { reader.record(value, "approvers[].phone must be an E.164 number like +15551230001") }
            case "may_approve":
                for (limit, _, limitValue) in reader.mapping(value, "may_approve", allowed: ["risk_classes", "max_amount"]) ?? [] {
                    if limit == "max_amount" {
                        approver.rights.maxAmount = readAmountLimit(
                            limitValue, "may_approve.max_amount", policyCurrency: configuration.policy.currency, &reader)
                    } else if let list = reader.sequence(limitValue, "may_approve.risk_classes") {
                        approver.rights.riskClasses = Set(list.compactMap { reader.string($0, "may_approve.risk_classes entries") })
                    }
                }
            default: break
            }
        }
        let token = readSecret(members, "token_env", item, &reader, environment)
        guard let name, let token else {
            if name == nil { reader.record(item, "an approver needs a name") }
            return
        }
        if configuration.approvers.contains(where: { $0.name == name }) { reader.record(item, "approver \(name) is listed twice") }
        approver.name = name
        approver.token = token
        configuration.approvers.append(approver)
    }

    /// `10000` (in the policy's currency) or `{USD: 10000, EUR: 9000}` (one per ISO 4217 code): a
    /// limit per currency; amounts in a currency it names no value for count as over it.
    static func readAmountLimit(_ node: Node, _ path: String, policyCurrency: String, _ reader: inout YAMLReader) -> AmountLimit? {
        guard node.mapping != nil else { return reader.decimal(node, path).map { AmountLimit($0, policyCurrency: policyCurrency) } }
        var byCurrency: [String: Decimal] = [:]
        for (code, codeNode, value) in reader.mapping(node, path) ?? [] {
            guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 &- 0x41 < 26 }) else {
                reader.record(codeNode, "\(path) keys must be three-letter ISO 4217 codes such as EUR")
                continue
            }
            if let amount = reader.decimal(value, "\(path).\(code)") { byCurrency[code] = amount }
        }
        return AmountLimit(policyCurrency: policyCurrency, byCurrency: byCurrency)
    }

    /// A secret named by `<key>: VARIABLE`: the variable must be set, non-empty, and long enough.
    static func readSecret(
        _ members: [(key: String, keyNode: Node, value: Node)], _ key: String, _ item: Node, _ reader: inout YAMLReader,
        _ environment: [String: String]
    ) -> Secret? {
        guard let node = members.first(where: { $0.key == key })?.value else {
            reader.record(item, "\(key) is required: the name of the environment variable that holds the secret")
            return nil
        }
        guard let variable = reader.string(node, key) else { return nil }
        guard let secret = environment[variable], !secret.isEmpty else {
            reader.record(node, "the environment variable \(variable) is not set")
            return nil
        }
        guard secret.utf8.count >= 16 else {
            reader.record(node, "the secret in \(variable) is shorter than 16 characters")
            return nil
        }
        return Secret(secret)
    }

    private static func readDatabase(_ node: Node, _ configuration: inout ServerConfiguration, _ reader: inout YAMLReader, directory: String) {
        let waits = ["lease_timeout", "answer_timeout"]
        guard let all = reader.mapping(node, "database", allowed: ["sqlite", "postgres"] + waits) else { return }
        let members = all.filter { !waits.contains($0.0) }
        guard members.count == 1, let (key, _, value) = members.first else {
            reader.record(node, "database must name exactly one of sqlite or postgres")
            return
        }
        guard let text = reader.string(value, "database.\(key)") else { return }
        configuration.database = key == "sqlite" ? .sqlite(path: resolve(text, in: directory)) : .postgres(url: Secret(text))
        for (wait, waitNode, waitValue) in all where waits.contains(wait) {
            guard key == "postgres" else {
                reader.record(waitNode, "database.\(wait) applies to PostgreSQL only")
                continue
            }
            guard let seconds = reader.duration(waitValue, "database.\(wait)") else { continue }
            if wait == "lease_timeout" {
                configuration.databaseWaits.leaseTimeout = seconds
            } else {
                configuration.databaseWaits.answerTimeout = seconds
            }
        }
    }

    private static func readHTTP(_ node: Node, _ configuration: inout ServerConfiguration, _ reader: inout YAMLReader) {
        for (key, _, value) in reader.mapping(node, "http", allowed: ["host", "port", "public_url", "max_body_bytes", "idle_timeout"]) ?? [] {
            switch key {
            case "host": configuration.http.host = reader.string(value, "http.host") ?? configuration.http.host
            case "port":
                guard let port = reader.integer(value, "http.port", minimum: 0) else { continue }
                if port <= 65535 { configuration.http.port = port } else { reader.record(value, "http.port must be between 0 and 65535") }
            case "public_url": configuration.http.publicURL = reader.string(value, "http.public_url")
            case "idle_timeout": configuration.http.idleTimeout = reader.duration(value, "http.idle_timeout") ?? configuration.http.idleTimeout
            default:
                configuration.http.maximumBodyBytes =
                    reader.integer(value, "http.max_body_bytes", minimum: 1024) ?? configuration.http.maximumBodyBytes
            }
        }
    }

    static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }
}
