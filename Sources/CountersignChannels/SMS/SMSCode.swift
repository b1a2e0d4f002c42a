import Crypto
import Foundation

/// The four-digit code an SMS names an approval by ("Y 4821"): derived from the approval id
/// (SHA-256, first 32 bits, modulo 10 000), so it needs no table. A reply decides only when the
/// code matches exactly one of the approver's pending approvals; when two pending approvals of
/// one approver share a code, the reply decides neither and says so.
public enum SMSCode {
    public static func code(approvalID: String) -> String {
        let digest = Array(SHA256.hash(data: Array(approvalID.utf8)))
        let number = (UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])) % 10_000
        let text = String(number)
        return String(repeating: "0", count: 4 - text.count) + text
    }
}
