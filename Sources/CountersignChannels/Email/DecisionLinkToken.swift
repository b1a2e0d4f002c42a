import CountersignCore
import Crypto
import Foundation

/// The token in an email's one-click link: it binds one approval, one decision, one approver and
/// an expiry (the approval's deadline), signed with HMAC-SHA256 under the server's link secret.
/// Form: `base64url(payload) "." base64url(mac)`, payload `v1|approval|decision|approver|expiry`.
public struct DecisionLinkToken: Sendable, Hashable {
    public var approvalID: String
    public var decision: HumanDecision
    public var approver: String
    public var expiresAt: Date

    public init(approvalID: String, decision: HumanDecision, approver: String, expiresAt: Date) {
        self.approvalID = approvalID
        self.decision = decision
        self.approver = approver
        self.expiresAt = expiresAt
    }

    /// Why a token was refused.
    public enum Refusal: Error, Sendable, Hashable {
        /// Not a token, or its signature does not match: forged or altered.
        case invalid
        /// Signed, but past its expiry.
        case expired(DecisionLinkToken)
    }

    /// Signs and encodes the token.
    public func encoded(secret: [UInt8]) -> String {
        let payload = Array(
            ["v1", approvalID, decision.rawValue, approver, String(Int64(expiresAt.timeIntervalSince1970.rounded(.down)))]
                .joined(separator: "|").utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: secret))
        return Self.base64URL(payload) + "." + Self.base64URL(Array(mac))
    }

    /// Checks the signature (in constant time) and the expiry, then decodes the token.
    public static func verify(_ token: String, secret: [UInt8], now: Date) throws(Refusal) -> DecisionLinkToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 2048, parts.count == 2, let payload = unbase64URL(parts[0]), let mac = unbase64URL(parts[1]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: SymmetricKey(data: secret))
        else { throw .invalid }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, fields[0] == "v1", let decision = HumanDecision(rawValue: fields[2]), let seconds = Int64(fields[4]) else {
            throw .invalid
        }
        let decoded = DecisionLinkToken(
            approvalID: fields[1], decision: decision, approver: fields[3], expiresAt: Date(timeIntervalSince1970: Double(seconds)))
        guard now < decoded.expiresAt else { throw .expired(decoded) }
        return decoded
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unbase64URL(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        // Only the canonical encoding: no second spelling of the same bytes.
        guard let bytes = Data(base64Encoded: base64).map(Array.init), base64URL(bytes) == text else { return nil }
        return bytes
    }
}
