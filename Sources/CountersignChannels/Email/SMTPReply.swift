/// One SMTP reply (RFC 5321 §4.2): a three-digit code and one or more text lines
/// (`250-first`, `250-second`, `250 last`).
public struct SMTPReply: Sendable, Hashable {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// 2xx and 3xx: the server accepted the command.
    public var isPositive: Bool { (200..<400).contains(code) }
    /// 4xx: try again later.
    public var isTransient: Bool { (400..<500).contains(code) }

    /// The text of every line, joined (for error messages).
    public var text: String { lines.joined(separator: " ") }
}

/// Assembles replies from the lines a server sends, one line at a time.
public struct SMTPReplyParser: Sendable {
    private var code: Int?
    private var lines: [String] = []

    public init() {}

    /// Feeds one line (without its line break). Returns the reply when this line ends it, `nil`
    /// when more lines follow; throws on a line that is not a reply line or changes code midway.
    public mutating func feed(_ line: String) throws(SMTPError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0..<3].allSatisfy({ (0x30...0x39).contains($0) }),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else {
            throw SMTPError("the server sent a line that is not an SMTP reply", transient: true)
        }
        let lineCode = Int(String(decoding: bytes[0..<3], as: UTF8.self))!
        if let code, code != lineCode { throw SMTPError("the server changed the reply code within a multi-line reply", transient: true) }
        code = lineCode
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard bytes.count == 3 || bytes[3] == UInt8(ascii: " ") else { return nil }
        let reply = SMTPReply(code: lineCode, lines: lines)
        code = nil
        lines = []
        return reply
    }
}
