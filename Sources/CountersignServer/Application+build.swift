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
        let factory = DescribedMetricsFactory(
            registry: registry, help: GatewayMetrics.descriptions,
            valueBuckets: ["countersign_approval_wait_seconds": [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 86400]])
        var webhooks: [String: WebhookTarget] = [:]
        var secrets: [String: String] = [:]
        for agent in configuration.agents {
            guard let webhook = agent.webhook else { continue }
            webhooks[agent.name] = WebhookTarget(url: webhook.url, callbackHosts: Set(webhook.callbackHosts))
            secrets[agent.name] = webhook.secret.revealed
        }
        let gateway = Gateway(
            store: store, configuration: .init(policy: configuration.policy, webhooks: webhooks, router: Self.router(for: configuration)),
            metrics: GatewayMetrics(factory: factory, policy: configuration.policy), logger: logger, now: now,
            admission: ProposalAdmission(limits: Self.agentLimits(for: configuration)))
        var deliveries: [any OutboxDelivery] = [WebhookChannel(secrets: secrets), EscalationTimer(gateway: gateway), ReminderTimer(gateway: gateway)]
        var slackController: SlackInteractionsController?
        if let slack = configuration.channels.slack {
            let api = SlackWebAPI(baseURL: slack.apiURL, token: slack.botToken.revealed)
            var users: [String: String] = [:]
            var byUser: [String: SlackInteractionsController.SlackApprover] = [:]
            for approver in configuration.approvers {
                guard let user = approver.slackUser else { continue }
                users[approver.name] = user
                byUser[user] = .init(name: approver.name, rights: approver.rights)
            }
            deliveries.append(SlackChannel(api: api, gateway: gateway, users: users, conversation: slack.channel))
            slackController = SlackInteractionsController(
                gateway: gateway, verifier: SlackRequestVerifier(signingSecret: slack.signingSecret.revealed), api: api, approvers: byUser,
                logger: logger)
        }
        let publicURL = configuration.http.publicURL ?? "http://\(configuration.http.host):\(configuration.http.port)"
        if let email = configuration.channels.email {
            deliveries.append(EmailChannel(email, publicURL: publicURL, gateway: gateway, approvers: configuration.approvers))
        }
        if let sms = configuration.channels.sms {
            deliveries.append(SMSChannel(sms, gateway: gateway, approvers: configuration.approvers))
        }
        let dispatcher = OutboxDispatcher(gateway: gateway, deliveries: deliveries, configuration: outbox)
        var approvers: [String: ApproverRights] = [:]
        for credential in credentials {
            if case .approver(let name, let rights) = credential.principal { approvers[name] = rights }
        }
        let router = buildRouter(
            gateway: gateway, authenticator: Authenticator(credentials: credentials), registry: registry,
            maximumBodyBytes: configuration.http.maximumBodyBytes, approvers: approvers,
            secureCookies: configuration.http.publicURL?.lowercased().hasPrefix("https://") ?? false, slack: slackController,
            emailLinkSecret: configuration.channels.email?.linkSecret,
            sms: configuration.channels.sms.map { SMSInboundController.Setup($0, publicURL: publicURL, approvers: configuration.approvers) },
            publicURL: configuration.http.publicURL)
        var services: [any Service] = [
            NamedService("deadline timer", DeadlineService(gateway: gateway)), NamedService("outbox dispatcher", dispatcher),
            NamedService("digest", DigestService(gateway: gateway)),
        ]
        // A store shared with other replicas tells this one what they change.
        if let feed = store as? any ApprovalChangeFeed {
            services.append(NamedService("change feed", ChangeFeedService(gateway: gateway, feed: feed)))
        }
        // Idle and stalled connections are closed (a half-sent request head included); a request
        // being answered (a long poll, the console's event stream) is never cut by it.
        let idleMilliseconds = Int64(configuration.http.idleTimeout * 1000)
        let application = Application(
            router: router, server: .http1(configuration: .init(idleTimeout: .milliseconds(idleMilliseconds))),
            configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "countersign"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.http.port) },
            logger: logger)
        return (application, Parts(gateway: gateway, registry: registry))
    }

    /// Each configured agent's quota and rate; any other (the trial agent) takes `agent_limits`.
    static func agentLimits(for configuration: ServerConfiguration) -> ProposalAdmission.Limits {
        var limits = ProposalAdmission.Limits(byAgent: [:], otherwise: configuration.agentLimits)
        for agent in configuration.agents { limits.byAgent[agent.name] = agent.limits }
        return limits
    }

    /// The router of notifications: the configured routing over the approvers and the channels
    /// this server can push on.
    static func router(for configuration: ServerConfiguration) -> NotificationRouter {
        var enabled = Set<ChannelKind>()
        if configuration.channels.slack != nil { enabled.insert(.slack) }
        if configuration.channels.email != nil { enabled.insert(.email) }
        if configuration.channels.sms != nil { enabled.insert(.sms) }
        let recipients = configuration.approvers.map { approver in
            var channels = Set<ChannelKind>()
            if approver.slackUser != nil { channels.insert(.slack) }
            if approver.email != nil { channels.insert(.email) }
            if approver.phone != nil { channels.insert(.sms) }
            return NotificationRouter.Recipient(name: approver.name, rights: approver.rights, channels: channels)
        }
        return .init(
            routing: configuration.routing, recipients: recipients, enabledChannels: enabled,
            urgentOver: configuration.policy.amounts.limit(\.urgentOver, policyCurrency: configuration.policy.currency))
    }

    static func buildRouter(
        gateway: Gateway, authenticator: Authenticator, registry: PrometheusCollectorRegistry, maximumBodyBytes: Int,
        approvers: [String: ApproverRights] = [:], secureCookies: Bool = false, slack: SlackInteractionsController? = nil,
        emailLinkSecret: Secret? = nil, sms: SMSInboundController.Setup? = nil, publicURL: String? = nil
    ) -> Router<CountersignRequestContext> {
        let router = Router(context: CountersignRequestContext.self)
        let routes = RouteMethods()
        router.add(middleware: ErrorMiddleware(routes: routes))
        router.add(middleware: BodyLimitMiddleware(maximumBytes: maximumBodyBytes))
        router.add(middleware: AuthenticationMiddleware(authenticator: authenticator))
        OperationsController(store: gateway.store, registry: registry, openAPI: OpenAPIDocument.bytes).addRoutes(to: router)
        ProposalsController(gateway: gateway).addRoutes(to: router.group("v1/proposals"))
        ApprovalsController(gateway: gateway).addRoutes(to: router.group("v1/approvals"))
        OutboxController(gateway: gateway).addRoutes(to: router.group("v1/outbox"))
        ConsoleController(
            gateway: gateway, authenticator: authenticator, approvers: approvers, secureCookies: secureCookies,
            origins: ConsoleOrigins(publicURL: publicURL)
        )
        .addRoutes(to: router)
        SlackInteractionsController.addRoutes(slack, to: router)
        EmailDecisionController(gateway: gateway, linkSecret: emailLinkSecret, approvers: approvers, now: { Date() }).addRoutes(to: router)
        SMSInboundController(gateway: gateway, setup: sms).addRoutes(to: router)
        routes.load(router.routes.map { (path: $0.path.description, method: $0.method) })
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
