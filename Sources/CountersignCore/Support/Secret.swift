/// A credential or key (an agent key, an approver token, a bot token, a signing secret, a
/// password, a database URL with its password). It describes itself as `<redacted>` however it
/// is printed (`description`, `debugDescription`, `dump`, `Mirror`, string interpolation), so a
/// configuration or a service that holds one can be logged, at any level, without leaking it.
/// The value comes out only through ``revealed`` and ``revealedBytes``, at the one place that
/// uses it (a header, an HMAC key, a comparison).
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable,
    ExpressibleByStringLiteral
{
    private let bytes: [UInt8]

    public init(_ value: String) { bytes = Array(value.utf8) }

    /// A key that is bytes rather than text (a webhook secret given as `whsec_` and base64).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// For tests and examples: real secrets come from the environment.
    public init(stringLiteral value: String) { self.init(value) }

    /// The secret itself, as text.
    public var revealed: String { String(decoding: bytes, as: UTF8.self) }

    /// The secret's bytes (an HMAC key).
    public var revealedBytes: [UInt8] { bytes }

    /// Whether the secret is empty (a configuration that names none).
    public var isEmpty: Bool { bytes.isEmpty }

    public static let redacted = "<redacted>"

    public var description: String { Self.redacted }
    public var debugDescription: String { Self.redacted }
    /// No children: `dump` and debuggers show the redacted description and nothing inside.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: nil) }

    /// Equal secrets, compared in time that does not depend on where they differ.
    public static func == (lhs: Secret, rhs: Secret) -> Bool {
        let left = lhs.bytes
        let right = rhs.bytes
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}
