import CountersignCore
import Crypto
import Foundation

/// Twilio's request signature (`X-Twilio-Signature`): base64 of HMAC-SHA1, keyed with the
/// account's auth token, over the full URL Twilio requested followed by every POST parameter's
/// name and value, sorted by name.
public struct TwilioSignature: Sendable {
    private let key: Secret

    public init(authToken: String) {
        key = Secret(authToken)
    }

    /// The signature Twilio sends for `url` with `parameters`.
    public func signature(url: String, parameters: [(name: String, value: String)]) -> String {
        Data(
            HMAC<Insecure.SHA1>.authenticationCode(
                for: Self.signedBytes(url: url, parameters: parameters), using: SymmetricKey(data: key.revealedBytes))
        )
        .base64EncodedString()
    }

    /// Whether `signature` is valid, compared in constant time.
    public func isValid(_ signature: String, url: String, parameters: [(name: String, value: String)]) -> Bool {
        guard let mac = Data(base64Encoded: signature), mac.count == Insecure.SHA1.byteCount else { return false }
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(
            mac, authenticating: Self.signedBytes(url: url, parameters: parameters), using: SymmetricKey(data: key.revealedBytes))
    }

    static func signedBytes(url: String, parameters: [(name: String, value: String)]) -> [UInt8] {
        var text = url
        // Sorted by name (byte order), then by value for repeated names, as Twilio does.
        for parameter in parameters.sorted(by: { ($0.name, $0.value) < ($1.name, $1.value) }) {
            text += parameter.name + parameter.value
        }
        return Array(text.utf8)
    }
}
