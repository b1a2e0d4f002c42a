/// Where an agent's approval results go, and which per-proposal `callback_url` hosts it may name.
/// The signing secret itself stays with the webhook channel; the gateway only routes.
public struct WebhookTarget: Sendable, Hashable {
    /// The agent's default webhook URL; `nil` when it only uses per-proposal callbacks.
    public var url: String?
    /// Hosts a proposal's `callback_url` may point at (lowercased).
    public var callbackHosts: Set<String>

    public init(url: String?, callbackHosts: Set<String>) {
        self.url = url
        self.callbackHosts = Set(callbackHosts.map { $0.lowercased() })
    }

    func allows(host: String) -> Bool { callbackHosts.contains(host.lowercased()) }
}
