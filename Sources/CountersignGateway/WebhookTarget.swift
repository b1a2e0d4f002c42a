import CountersignCore
import Foundation

/// Where an agent's approval results go, and which hosts and ports a per-proposal `callback_url`
/// may point at. The signing secret itself stays with the webhook channel; the gateway only routes.
public struct WebhookTarget: Sendable, Hashable {
    /// The agent's default webhook URL; `nil` when it only uses per-proposal callbacks.
    public var url: String?
    /// What a proposal's `callback_url` may point at: `host` (the scheme's default port only) or
    /// `host:port` entries (see ``HostAndPort``).
    public var callbackHosts: Set<HostAndPort>

    /// `callbackHosts` as the configuration names them (`hooks.example.com`, `hooks.example.com:8443`,
    /// `[::1]:9000`); an entry that is not one allows nothing (the configuration refuses it first).
    public init(url: String?, callbackHosts: Set<String>) {
        self.url = url
        self.callbackHosts = Set(callbackHosts.compactMap(HostAndPort.init(entry:)))
    }

    /// Whether `callbackURL` may receive this agent's webhooks: an `http`/`https` URL read
    /// strictly (no user information, no host two parsers could read differently), whose host
    /// and port an entry names. Foundation's reading of the URL, which delivery uses, must agree.
    func allows(url callbackURL: String) -> Bool {
        guard let address = HostAndPort(url: callbackURL), let components = URLComponents(string: callbackURL),
            components.user == nil, components.password == nil, var host = components.host?.lowercased()
        else { return false }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        let defaultPort = components.scheme?.lowercased() == "https" ? 443 : 80
        guard host == address.host, (components.port ?? defaultPort) == address.port else { return false }
        return callbackHosts.contains { $0.allows(address, defaultPort: defaultPort) }
    }
}
