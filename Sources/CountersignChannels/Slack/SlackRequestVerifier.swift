import CountersignCore
import Crypto
import Foundation
import Synchronization

/// Verifies Slack's request signing: `X-Slack-Signature` must be `v0=` + the hex HMAC-SHA256 of
/// `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the app's signing secret, in lower-case
/// hex as Slack sends it (compared in constant time); timestamps more than five minutes away from now (old or in the future) are
/// refused, and so is a signature seen before (a replay).
public final class SlackRequestVerifier: Sendable {
    /// Why a request was refused.
    public enum Refusal: String, Sendable, Error {
        case missingHeaders = "missing_signature"
        case stale = "stale_timestamp"
        case forged = "bad_signature"
        case replayed = "replayed_request"
    }

    private let key: Secret
    public let tolerance: TimeInterval
    /// Signatures accepted within the tolerance window, with when they were seen.
    private let seen = Mutex([String: Date]())

    public init(signingSecret: String, tolerance: TimeInterval = 300) {
        key = Secret(signingSecret)
        self.tolerance = tolerance
    }

    /// `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
    public static func signature(secret: String, timestamp: String, body: [UInt8]) -> String {
        var message = Array("v0:\(timestamp):".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "v0=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks one request; on success the signature is remembered so it cannot be used again.
    public func verify(timestamp: String?, signature: String?, body: [UInt8], now: Date) throws(Refusal) {
        guard let timestamp, let signature, let seconds = Int64(timestamp), signature.hasPrefix("v0=") else { throw .missingHeaders }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else { throw .stale }
        // Slack sends lower-case hex, and only that is accepted: one code written in another case
        // would be a second spelling of one signature, and pass the replay check as new.
        let hex = signature.utf8.dropFirst(3)
        guard hex.count == 2 * SHA256.byteCount, hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
            let code = Self.bytes(hex: signature.dropFirst(3))
        else { throw .forged }
        var message = Array("v0:\(timestamp):".utf8)
        message.append(contentsOf: body)
        guard HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: message, using: SymmetricKey(data: key.revealedBytes)) else {
            throw .forged
        }
        let fresh = seen.withLock { seen -> Bool in
            seen = seen.filter { now.timeIntervalSince($0.value) <= 2 * tolerance }
            guard seen[signature] == nil else { return false }
            seen[signature] = now
            return true
        }
        guard fresh else { throw .replayed }
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
