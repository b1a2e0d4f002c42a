import CountersignChannels
import CountersignConfig
import CountersignGateway

extension EmailChannel {
    /// The email channel as `channels.email` configures it, for the approvers that have an email address.
    init(_ email: ServerConfiguration.EmailChannel, publicURL: String, gateway: Gateway, approvers: [ServerConfiguration.Approver]) {
        let credentials = email.username.flatMap { user in email.password.map { (username: user, password: $0.revealed) } }
        let smtp = SMTPClient.Configuration(
            host: email.host, port: email.port, startTLS: SMTPClient.StartTLS(rawValue: email.startTLS) ?? .required, credentials: credentials,
            trustRootsFile: email.trustRootsFile, timeout: .seconds(email.timeout))
        self.init(
            configuration: .init(smtp: smtp, from: email.from, publicURL: publicURL, linkSecret: email.linkSecret.revealedBytes), gateway: gateway,
            recipients: approvers.compactMap { approver in approver.email.map { .init(name: approver.name, email: $0, rights: approver.rights) } })
    }
}
