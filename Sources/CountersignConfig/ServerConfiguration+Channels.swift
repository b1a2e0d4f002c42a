import CountersignCore
import Foundation

extension ServerConfiguration {
    /// The `channels:` section: how approvers are reached besides the console.
    public struct Channels: Sendable, Hashable {
        public var slack: Slack?
        public var email: EmailChannel?
        public var sms: SMSChannel?

        public init(slack: Slack? = nil, email: EmailChannel? = nil, sms: SMSChannel? = nil) {
            self.slack = slack
            self.email = email
            self.sms = sms
        }
    }

    /// `channels.email`: the SMTP relay, the sender, and the key of the one-click links.
    public struct EmailChannel: Sendable, Hashable {
        public var host: String
        public var port: Int
        /// `required` (default), `when_offered` or `never`.
        public var startTLS: String
        public var username: String?
        public var password: Secret?
        /// A PEM file of CA certificates to trust for the relay instead of the system's.
        public var trustRootsFile: String?
        /// Seconds the whole SMTP conversation may take.
        public var timeout: TimeInterval
        /// The `From:` mailbox, `Countersign <countersign@example.com>`.
        public var from: String
        /// The HMAC key of the one-click links (from the environment).
        public var linkSecret: Secret

        public init(
            host: String, port: Int = 587, startTLS: String = "required", username: String? = nil, password: Secret? = nil,
            trustRootsFile: String? = nil, timeout: TimeInterval = 30, from: String, linkSecret: Secret
        ) {
            self.host = host
            self.port = port
            self.startTLS = startTLS
            self.username = username
            self.password = password
            self.trustRootsFile = trustRootsFile
            self.timeout = timeout
            self.from = from
            self.linkSecret = linkSecret
        }
    }

    /// `channels.sms`: Twilio's Messages API and the number texts come from.
    public struct SMSChannel: Sendable, Hashable {
        public var accountSID: String
        /// From the environment; also the key of `X-Twilio-Signature`.
        public var authToken: Secret
        /// The Twilio number (E.164) messages are sent from.
        public var from: String
        public var apiURL: String

        public init(accountSID: String, authToken: Secret, from: String, apiURL: String = "https://api.twilio.com") {
            self.accountSID = accountSID
            self.authToken = authToken
            self.from = from
            self.apiURL = apiURL
        }
    }
}
