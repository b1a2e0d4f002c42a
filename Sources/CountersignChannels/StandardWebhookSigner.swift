import CountersignCore
import Crypto
import Foundation

/// Signs webhooks per the Standard Webhooks convention: `webhook-id`, `webhook-timestamp` (Unix
/// seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed
/// with the secret's bytes (`whsec_<base64>`; any other string is used as UTF-8 bytes).
public struct StandardWebhookSigner: Sendable {
    /// The key's bytes (a `SymmetricKey` is made per signature: it is not `Sendable`).
    private let key: Secret

    public init(secret: String) {
        if secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))) {
            key = Secret(bytes: Array(bytes))
        } else {
            key = Secret(secret)
        }
    }

    /// The three headers for `body` sent as message `id` at `timestamp`.
    public func headers(id: String, timestamp: Date, body: [UInt8]) -> [(name: String, value: String)] {
        let seconds = String(Int64(timestamp.timeIntervalSince1970))
        return [("webhook-id", id), ("webhook-timestamp", seconds), ("webhook-signature", "v1," + signature(id: id, timestamp: seconds, body: body))]
    }

    /// The base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`.
    public func signature(id: String, timestamp: String, body: [UInt8]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key.revealedBytes))).base64EncodedString()
    }
}
