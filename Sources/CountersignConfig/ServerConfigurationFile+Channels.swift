import CountersignCore
import Foundation
import Yams

extension ServerConfigurationFile {
    /// `channels: {slack: …, email: …, sms: …}`
    static func readChannels(
        _ node: Node, _ configuration: inout ServerConfiguration, _ reader: inout YAMLReader, directory: String, environment: [String: String]
    ) {
        for (key, _, value) in reader.mapping(node, "channels", allowed: ["slack", "email", "sms"]) ?? [] {
            switch key {
            case "slack": readSlack(value, &configuration, &reader, environment)
            case "email": configuration.channels.email = readEmail(value, &reader, directory: directory, environment: environment)
            default: configuration.channels.sms = readSMS(value, &reader, environment: environment)
            }
        }
    }

    /// `email: {smtp: {host, port, starttls, username_env, password_env, trust_roots, timeout}, from, link_secret_env}`
    static func readEmail(
        _ node: Node, _ reader: inout YAMLReader, directory: String, environment: [String: String]
    ) -> ServerConfiguration.EmailChannel? {
        guard let members = reader.mapping(node, "channels.email", allowed: ["smtp", "from", "link_secret_env"]) else { return nil }
        var email = ServerConfiguration.EmailChannel(host: "", from: "", linkSecret: "")
        var valid = true
        for (key, _, value) in members {
            switch key {
            case "from":
                guard let from = reader.string(value, "channels.email.from") else { continue }
                let address = from.split(separator: "<").last.map { $0.replacingOccurrences(of: ">", with: "") } ?? from
                if !address.contains("@") || from.contains("\n") || from.contains("\r") {
                    reader.record(value, "channels.email.from must be an address, like \"Countersign <countersign@example.com>\"")
                    valid = false
                }
                email.from = from
            case "smtp": valid = readSMTP(value, &email, &reader, directory: directory, environment: environment) && valid
            default: break
            }
        }
        if email.host.isEmpty { reader.record(node, "channels.email needs smtp.host") }
        if email.from.isEmpty { reader.record(node, "channels.email needs from") }
        guard let secret = readSecret(members, "link_secret_env", node, &reader, environment) else { return nil }
        email.linkSecret = secret
        return valid && !email.host.isEmpty && !email.from.isEmpty ? email : nil
    }

    private static func readSMTP(
        _ node: Node, _ email: inout ServerConfiguration.EmailChannel, _ reader: inout YAMLReader, directory: String,
        environment: [String: String]
    ) -> Bool {
        let keys = ["host", "port", "starttls", "username_env", "password_env", "trust_roots", "timeout"]
        guard let members = reader.mapping(node, "channels.email.smtp", allowed: keys) else { return false }
        var valid = true
        for (key, _, value) in members {
            switch key {
            case "host": email.host = reader.string(value, "channels.email.smtp.host") ?? ""
            case "port":
                guard let port = reader.integer(value, "channels.email.smtp.port", minimum: 1) else { continue }
                if port <= 65535 { email.port = port } else { reader.record(value, "channels.email.smtp.port must be between 1 and 65535") }
            case "starttls":
                guard let mode = reader.string(value, "channels.email.smtp.starttls") else { continue }
                guard ["required", "when_offered", "never"].contains(mode) else {
                    reader.record(value, "channels.email.smtp.starttls must be one of required, when_offered, never")
                    valid = false
                    continue
                }
                email.startTLS = mode
            case "trust_roots": email.trustRootsFile = reader.string(value, "channels.email.smtp.trust_roots").map { resolve($0, in: directory) }
            case "timeout":
                if let seconds = reader.duration(value, "channels.email.smtp.timeout") { email.timeout = max(seconds, 1) }
            case "username_env":
                guard let variable = reader.string(value, "channels.email.smtp.username_env") else { continue }
                guard let user = environment[variable], !user.isEmpty else {
                    reader.record(value, "the environment variable \(variable) is not set")
                    valid = false
                    continue
                }
                email.username = user
            default:
                guard let variable = reader.string(value, "channels.email.smtp.password_env") else { continue }
                guard let password = environment[variable], !password.isEmpty else {
                    reader.record(value, "the environment variable \(variable) is not set")
                    valid = false
                    continue
                }
                email.password = Secret(password)
            }
        }
        if (email.username == nil) != (email.password == nil) {
            reader.record(node, "channels.email.smtp needs both username_env and password_env, or neither")
            valid = false
        }
        return valid
    }

    /// `sms: {twilio: {account_sid, auth_token_env, from, api_url}}`
    static func readSMS(_ node: Node, _ reader: inout YAMLReader, environment: [String: String]) -> ServerConfiguration.SMSChannel? {
        guard let outer = reader.mapping(node, "channels.sms", allowed: ["twilio"]) else { return nil }
        guard let twilio = outer.first(where: { $0.key == "twilio" })?.value else {
            reader.record(node, "channels.sms needs twilio")
            return nil
        }
        guard let members = reader.mapping(twilio, "channels.sms.twilio", allowed: ["account_sid", "auth_token_env", "from", "api_url"]) else {
            return nil
        }
        var sms = ServerConfiguration.SMSChannel(accountSID: "", authToken: "", from: "")
        for (key, _, value) in members {
            switch key {
            case "account_sid":
                guard let sid = reader.string(value, "channels.sms.twilio.account_sid") else { continue }
                if sid.hasPrefix("AC"), sid.count == 34, sid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                    sms.accountSID = sid
                } else {
                    reader.record(value, "channels.sms.twilio.account_sid must be a Twilio account SID (AC and 32 hex digits)")
                }
            case "from":
                guard let from = reader.string(value, "channels.sms.twilio.from") else { continue }
                if isE164(from) {
                    sms.from = from
                } else {
                    reader.record(value, "channels.sms.twilio.from must be an E.164 number like +15550000000")
                }
            case "api_url":
                guard let url = reader.string(value, "channels.sms.twilio.api_url") else { continue }
                guard let components = URLComponents(string: url), components.scheme == "https" || components.scheme == "http",
                    components.host?.isEmpty == false
                else {
                    reader.record(value, "channels.sms.twilio.api_url must be an http or https URL")
                    continue
                }
                sms.apiURL = url
            default: break
            }
        }
        if sms.accountSID.isEmpty, !members.contains(where: { $0.key == "account_sid" }) {
            reader.record(twilio, "channels.sms.twilio needs account_sid")
        }
        if sms.from.isEmpty, !members.contains(where: { $0.key == "from" }) { reader.record(twilio, "channels.sms.twilio needs from") }
        guard let token = readSecret(members, "auth_token_env", twilio, &reader, environment) else { return nil }
        sms.authToken = token
        return sms.accountSID.isEmpty || sms.from.isEmpty ? nil : sms
    }

    /// `+` and 8 to 15 digits.
    static func isE164(_ text: String) -> Bool {
        text.hasPrefix("+") && (8...15).contains(text.count - 1) && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }
}
