import CountersignCore
import Foundation

/// `countersign serve`'s configuration (CONTRACT §7), read once at start. Secrets are never in the
/// file: it names environment variables (`key_env`, `token_env`) and the values are read from there.
public struct ServerConfiguration: Sendable {
    public var policy: Policy
    public var database: Database
    public var http: HTTP
    public var agents: [Agent]
    /// The limits of an agent that names none of its own (`agent_limits`), the trial agent's included.
    public var agentLimits = AgentLimits()
    public var approvers: [Approver]
    /// Channels that push cards to approvers (`channels:`): Slack, email, SMS; `nil` members are not configured.
    public var channels = Channels()
    /// Who is notified of what, on which channel (`routing:`).
    public var routing = Routing()

    /// Where the store lives.
    public enum Database: Sendable, Hashable {
        case sqlite(path: String)
        /// The URL may carry the password, so it is kept as a ``Secret``.
        case postgres(url: Secret)
    }

    /// How long requests wait on a PostgreSQL store before answering 503 (`database.lease_timeout`,
    /// `database.answer_timeout`); unused with SQLite.
    public var databaseWaits = DatabaseWaits()

    public struct DatabaseWaits: Sendable, Hashable {
        /// The longest wait for a pooled connection.
        public var leaseTimeout: TimeInterval
        /// The longest a leased connection may go without an answer before it is closed (a hung server).
        public var answerTimeout: TimeInterval

        public init(leaseTimeout: TimeInterval = 5, answerTimeout: TimeInterval = 30) {
            self.leaseTimeout = leaseTimeout
            self.answerTimeout = answerTimeout
        }
    }

    public struct HTTP: Sendable, Hashable {
        public var host: String
        public var port: Int
        /// The address people reach the console at (links in messages).
        public var publicURL: String?
        /// The largest request body accepted (413 beyond).
        public var maximumBodyBytes: Int
        /// Seconds a connection may stay silent before it is closed: idle between requests, or
        /// stalled while sending a request's head or body. A request being answered (a long poll,
        /// the console's event stream) is not cut by it.
        public var idleTimeout: TimeInterval

        public init(
            host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, maximumBodyBytes: Int = 64 * 1024, idleTimeout: TimeInterval = 60
        ) {
            self.host = host
            self.port = port
            self.publicURL = publicURL
            self.maximumBodyBytes = maximumBodyBytes
            self.idleTimeout = idleTimeout
        }
    }

    /// An agent and its key (the secret itself, read from the environment).
    public struct Agent: Sendable, Hashable {
        public var name: String
        public var key: Secret
        /// Where the agent receives signed results of its approvals.
        public var webhook: Webhook?
        /// How many pending approvals and how many proposals per second it may have (`max_pending`, `rate`).
        public var limits: AgentLimits

        public init(name: String, key: Secret, webhook: Webhook? = nil, limits: AgentLimits = AgentLimits()) {
            self.name = name
            self.key = key
            self.webhook = webhook
            self.limits = limits
        }
    }

    /// An agent's webhook: its URL, its signing secret (from the environment), and the hosts a
    /// proposal's own `callback_url` may point at.
    public struct Webhook: Sendable, Hashable {
        public var url: String?
        public var secret: Secret
        public var callbackHosts: [String]

        public init(url: String?, secret: Secret, callbackHosts: [String]) {
            self.url = url
            self.secret = secret
            self.callbackHosts = callbackHosts
        }
    }

    /// An approver, their token (from the environment), contacts and limits.
    public struct Approver: Sendable, Hashable {
        public var name: String
        public var token: Secret
        public var email: String?
        public var slackUser: String?
        public var phone: String?
        public var rights: ApproverRights

        public init(
            name: String, token: Secret, email: String? = nil, slackUser: String? = nil, phone: String? = nil, rights: ApproverRights = .unlimited
        ) {
            self.name = name
            self.token = token
            self.email = email
            self.slackUser = slackUser
            self.phone = phone
            self.rights = rights
        }
    }

    public init(
        policy: Policy = .default, database: Database = .sqlite(path: "countersign.db"), http: HTTP = HTTP(), agents: [Agent] = [],
        approvers: [Approver] = []
    ) {
        self.policy = policy
        self.database = database
        self.http = http
        self.agents = agents
        self.approvers = approvers
    }

    /// `channels.slack`: the bot token and signing secret (from the environment), an optional shared
    /// conversation for cards (direct messages otherwise), and the Web API's address.
    public struct Slack: Sendable, Hashable {
        public var botToken: Secret
        public var signingSecret: Secret
        public var channel: String?
        public var apiURL: String

        public init(botToken: Secret, signingSecret: Secret, channel: String? = nil, apiURL: String = "https://slack.com/api") {
            self.botToken = botToken
            self.signingSecret = signingSecret
            self.channel = channel
            self.apiURL = apiURL
        }
    }

    /// No configuration at all: a local trial on loopback with the default policy.
    public static let trial = ServerConfiguration()

    /// Whether the file named any credential (when not, `serve` generates a trial key and token).
    public var hasCredentials: Bool { !agents.isEmpty || !approvers.isEmpty }
}
