import CountersignChannels
import CountersignConfig
import CountersignGateway

extension SMSChannel {
    /// The SMS channel as `channels.sms` configures it, for the approvers that have a phone number.
    init(_ sms: ServerConfiguration.SMSChannel, gateway: Gateway, approvers: [ServerConfiguration.Approver]) {
        self.init(
            twilio: .init(accountSID: sms.accountSID, authToken: sms.authToken.revealed, apiURL: sms.apiURL), from: sms.from, gateway: gateway,
            recipients: approvers.compactMap { approver in approver.phone.map { .init(name: approver.name, phone: $0, rights: approver.rights) } })
    }
}
