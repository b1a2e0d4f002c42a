import CountersignCore
import CountersignGateway
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Twilio's Messages API: `POST {api_url}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
/// form-encoded `To`, `From`, `Body`, HTTP basic auth `AccountSid:AuthToken`. 2xx is sent;
/// 429, 5xx and network errors are retried; other 4xx (Twilio's error JSON) are permanent.
public struct TwilioClient: Sendable {
    public struct Configuration: Sendable {
        public var accountSID: String
        public var authToken: Secret
        public var apiURL: String
        public var timeout: TimeInterval

        public init(accountSID: String, authToken: String, apiURL: String = "https://api.twilio.com", timeout: TimeInterval = 15) {
            self.accountSID = accountSID
            self.authToken = Secret(authToken)
            self.apiURL = apiURL
            self.timeout = timeout
        }
    }

    let configuration: Configuration
    /// Redirects are never followed: the auth token goes to Twilio's API and nowhere else.
    private let session: NoRedirectSession

    public init(configuration: Configuration) {
        self.configuration = configuration
        session = NoRedirectSession(timeout: configuration.timeout)
    }

    /// Sends one text; returns Twilio's message SID.
    @discardableResult
    public func send(to: String, from: String, body: String) async throws -> String {
        var base = configuration.apiURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: "\(base)/2010-04-01/Accounts/\(configuration.accountSID)/Messages.json") else {
            throw OutboxDeliveryError("channels.sms.twilio.api_url is not a URL", permanent: true)
        }
        var request = URLRequest(url: url, timeoutInterval: configuration.timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(Self.formEncode([("To", to), ("From", from), ("Body", body)]).utf8)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let credentials = Data("\(configuration.accountSID):\(configuration.authToken.revealed)".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        let data: Data
        let status: Int
        do {
            let (body, response) = try await session.data(for: request)
            (data, status) = (body, response.statusCode)
        } catch {
            throw OutboxDeliveryError("Twilio could not be reached: \(error.localizedDescription)", permanent: false)
        }
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        if (200..<300).contains(status) { return json["sid"] as? String ?? "" }
        let code = (json["code"] as? Int).map { " (Twilio error \($0))" } ?? ""
        let message = (json["message"] as? String).map { ": \($0)" } ?? ""
        throw OutboxDeliveryError("Twilio answered \(status)\(code)\(message)", permanent: !(status == 429 || status >= 500))
    }

    /// `application/x-www-form-urlencoded`, names and values percent-encoded (space as `+`).
    public static func formEncode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        func encode(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                if byte == 0x20 {
                    out += "+"
                } else if byte < 0x80, let scalar = Unicode.Scalar(UInt32(byte)), allowed.contains(scalar) {
                    out.append(Character(scalar))
                } else {
                    out += String(format: "%%%02X", byte)
                }
            }
            return out
        }
        return fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}
