import CountersignChannels
import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Assembles the server: router, middleware, controllers, and the long-running services, on a
/// store that is already migrated.
public enum CountersignApplication {
    /// The parts a running server is made of, for tests and for `serve`.
    public struct Parts: Sendable {
        public var gateway: Gateway
        public var registry: PrometheusCollectorRegistry
    }

    /// Builds the gateway and the HTTP application around `store`.
    public static func build(
        configuration: ServerConfiguration, store: any GatewayStore, credentials: [Authenticator.Credential],
        logger: Logger = Logger(label: "countersign"), now: @escaping @Sendable () -> Date = { Date() },
        outbox: OutboxDispatcher.Configuration = .init(),
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) throws -> (application: some ApplicationProtocol, parts: Parts) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["countersign_approval_wait_seconds"] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 86400]
        var webhooks: [String: WebhookTarget] = [:]
        var secrets: [String: String] = [:]
        for agent in configuration.agents {
            guard let webhook = agent.webhook else { continue }
            webhooks[agent.name] = WebhookTarget(url: webhook.url, callbackHosts: Set(webhook.callbackHosts))
            secrets[agent.name] = webhook.secret
        }
        let gateway = Gateway(
            store: store, configuration: .init(policy: configuration.policy, webhooks: webhooks),
            metrics: GatewayMetrics(factory: factory, policy: configuration.policy), logger: logger, now: now)
        let dispatcher = OutboxDispatcher(gateway: gateway, deliveries: [WebhookChannel(secrets: secrets)], configuration: outbox)
        var approvers: [String: ApproverRights] = [:]
        for credential in credentials {
            if case .approver(let name, let rights) = credential.principal { approvers[name] = rights }
        }
        let router = buildRouter(
            gateway: gateway, authenticator: Authenticator(credentials: credentials), registry: registry,
            maximumBodyBytes: configuration.http.maximumBodyBytes, approvers: approvers,
            secureCookies: configuration.http.publicURL?.lowercased().hasPrefix("https://") ?? false)
        var services: [any Service] = [DeadlineService(gateway: gateway), dispatcher]
        // A store shared with other replicas tells this one what they change.
        if let feed = store as? any ApprovalChangeFeed { services.append(ChangeFeedService(gateway: gateway, feed: feed)) }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "countersign"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.http.port) },
            logger: logger)
        return (application, Parts(gateway: gateway, registry: registry))
    }

    static func buildRouter(
        gateway: Gateway, authenticator: Authenticator, registry: PrometheusCollectorRegistry, maximumBodyBytes: Int,
        approvers: [String: ApproverRights] = [:], secureCookies: Bool = false
    ) -> Router<CountersignRequestContext> {
        let router = Router(context: CountersignRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: BodyLimitMiddleware(maximumBytes: maximumBodyBytes))
        router.add(middleware: AuthenticationMiddleware(authenticator: authenticator))
        OperationsController(registry: registry, openAPI: OpenAPIDocument.bytes).addRoutes(to: router)
        ProposalsController(gateway: gateway).addRoutes(to: router.group("v1/proposals"))
        ApprovalsController(gateway: gateway).addRoutes(to: router.group("v1/approvals"))
        OutboxController(gateway: gateway).addRoutes(to: router.group("v1/outbox"))
        ConsoleController(gateway: gateway, authenticator: authenticator, approvers: approvers, secureCookies: secureCookies)
            .addRoutes(to: router)
        return router
    }
}

/// The OpenAPI 3.1 description of the API, shipped with the server.
public enum OpenAPIDocument {
    public static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let data = try? Data(contentsOf: url) else {
            return Array("openapi: 3.1.0\n".utf8)
        }
        return Array(data)
    }()
}
