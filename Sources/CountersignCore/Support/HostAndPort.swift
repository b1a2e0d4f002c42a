/// A host and port as webhook allow-lists name them (`hooks.example.com:443`), and the same pair
/// read from an `http`/`https` URL, strictly: every callback URL an agent sends is a probe, so
/// anything two URL parsers could read differently is refused rather than interpreted.
///
/// - Hosts are compared in lower case, without one trailing dot (`Hooks.Example.COM.` is
///   `hooks.example.com`), as DNS names them.
/// - A host is a DNS name of letters, digits and hyphens in dot-separated labels, a dotted-quad
///   IPv4 address in its one canonical form (no `0x7f.1`, `017.0.0.1` or `2130706433`), or an
///   IPv6 address in brackets (no zone): nothing else, no percent-encoding, no non-ASCII.
/// - A URL with user information (`https://a@b/`), a backslash, white space or a control
///   character anywhere is refused.
/// - An allow-list entry without a port allows the scheme's default port only (443 for https,
///   80 for http); name the port to allow another (`hooks.example.com:8443`).
public struct HostAndPort: Sendable, Hashable, CustomStringConvertible {
    /// Lower case, no trailing dot; an IPv6 address without its brackets.
    public var host: String
    /// `nil` in an allow-list entry: the default port of the URL's scheme.
    public var port: Int?

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`; `nil` when it is not one.
    public init?(entry: String) {
        guard let (host, port) = Self.authority(Substring(entry)) else { return nil }
        self.init(host: host, port: port)
    }

    /// The host of an `http` or `https` URL, and its port (the scheme's default when it names
    /// none); `nil` for any other URL, or one that could be read two ways.
    public init?(url: String) {
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else { return nil }
        let lower = url.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            return nil
        }
        let rest = url.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let (host, port) = Self.authority(authority) else { return nil }
        self.init(host: host, port: port ?? (scheme == "https" ? 443 : 80))
    }

    /// Whether the URL address `address` (its port always set) is what this entry allows.
    public func allows(_ address: HostAndPort, defaultPort: Int) -> Bool {
        host == address.host && (port ?? defaultPort) == address.port
    }

    /// `hooks.example.com:443`, `[::1]:8080`, or the host alone when no port is named.
    public var description: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(shown):\($0)" } ?? shown
    }

    /// `host[:port]` read strictly; the port, when given, is 1…65535 in decimal without a sign.
    static func authority(_ text: Substring) -> (String, Int?)? {
        guard !text.isEmpty, !text.contains("@") else { return nil }
        var hostPart: Substring
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portPart = after.dropFirst()
            }
            guard isIPv6(hostPart) else { return nil }
            return port(portPart).map { (hostPart.lowercased(), $0) }
        }
        if let colon = text.firstIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            hostPart = text
        }
        if hostPart.hasSuffix(".") { hostPart = hostPart.dropLast() }
        let host = hostPart.lowercased()
        guard isHostName(host) else { return nil }
        return port(portPart).map { (host, $0) }
    }

    /// `nil` (no port: `.some(nil)`) or the port; `.none` when malformed.
    private static func port(_ text: Substring?) -> Int?? {
        guard let text else { return .some(nil) }
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), text.first != "0",
            let value = Int(text), (1...65535).contains(value)
        else { return .none }
        return .some(value)
    }

    /// DNS labels of `a-z`, `0-9` and `-` (not at either end), 1…63 characters each, 253 in all;
    /// when the last label is numeric, a canonical dotted-quad IPv4 address.
    private static func isHostName(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
                label.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-") })
            else { return false }
        }
        // A last label of digits (or 0x…) is an address to resolvers: only the canonical IPv4 form.
        if let last = labels.last, last.utf8.allSatisfy({ (0x30...0x39).contains($0) }) || last.hasPrefix("0x") {
            return labels.count == 4
                && labels.allSatisfy { label in
                    label.utf8.allSatisfy { (0x30...0x39).contains($0) } && label.utf8.count <= 3 && (label == "0" || label.first != "0")
                        && Int(label)! <= 255
                }
        }
        return true
    }

    /// Hex groups and colons (and a trailing dotted quad), with at most one `::`; no zone.
    private static func isIPv6(_ text: Substring) -> Bool {
        guard (2...45).contains(text.count), text.contains(":"),
            text.utf8.allSatisfy({
                (0x30...0x39).contains($0) || (0x61...0x66).contains($0 | 0x20) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
            })
        else { return false }
        let compressed = text.components(separatedBy: "::")
        guard compressed.count <= 2 else { return false }
        let groups = text.split(separator: ":", omittingEmptySubsequences: true)
        for (index, group) in groups.enumerated() {
            if group.contains(".") {
                guard index == groups.count - 1, isHostName(String(group)), group.split(separator: ".").count == 4 else { return false }
            } else {
                guard group.count <= 4 else { return false }
            }
        }
        let width = groups.reduce(0) { $0 + ($1.contains(".") ? 2 : 1) }
        return compressed.count == 2 ? width < 8 : width == 8
    }
}
