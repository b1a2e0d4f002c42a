import CountersignCore
import CountersignGateway
import CountersignStore
import Crypto
import Foundation

/// Maps bearer secrets to principals. Only SHA-256 hashes of the secrets are kept, and a presented
/// secret's hash is compared with every known hash in constant time.
public struct Authenticator: Sendable {
    private let entries: [(hash: [UInt8], principal: Principal)]

    /// One credential: the hash of its secret and who it authenticates.
    public struct Credential: Sendable {
        public var hash: [UInt8]
        public var principal: Principal

        public init(hash: [UInt8], principal: Principal) {
            self.hash = hash
            self.principal = principal
        }

        public init(secret: String, principal: Principal) {
            self.init(hash: Authenticator.hash(secret), principal: principal)
        }

        public init(secret: Secret, principal: Principal) {
            self.init(secret: secret.revealed, principal: principal)
        }
    }

    public init(credentials: [Credential]) {
        entries = credentials.map { ($0.hash, $0.principal) }
    }

    /// SHA-256 of a secret.
    public static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

    /// Hex form of a hash, as stores keep it.
    public static func hex(_ hash: [UInt8]) -> String { AuditChain.hex(hash) }

    /// Bytes of a hex hash.
    public static func bytes(hex: String) -> [UInt8]? {
        let characters = Array(hex.utf8)
        guard characters.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: characters[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// The principal a secret authenticates, or `nil`.
    public func principal(for secret: String) -> Principal? {
        let presented = Self.hash(secret)
        var found: Principal?
        for entry in entries where Self.constantTimeEqual(entry.hash, presented) {
            found = entry.principal
        }
        return found
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
