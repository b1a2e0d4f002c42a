import Foundation

/// An RFC 5322 message with a `multipart/alternative` body (text/plain, then text/html), both
/// UTF-8 in base64 lines of 76 characters, and RFC 2047 encoded words for non-ASCII headers.
public struct MIMEMessage: Sendable {
    public var from: String
    public var to: String
    public var subject: String
    public var messageID: String
    public var date: Date
    public var text: String
    public var html: String
    /// Extra headers (name, value), ASCII only.
    public var headers: [(String, String)] = []

    public init(from: String, to: String, subject: String, messageID: String, date: Date, text: String, html: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.messageID = messageID
        self.date = date
        self.text = text
        self.html = html
    }

    /// The whole message, CRLF line ends.
    public func rendered(boundary: String = "cs-" + UUID().uuidString.lowercased()) -> String {
        var lines = [
            "Date: \(Self.rfc5322Date(date))",
            "From: \(Self.encodeMailbox(from))",
            "To: \(Self.encodeMailbox(to))",
            "Subject: \(Self.encodeWord(subject))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
        ]
        lines += headers.map { "\($0.0): \($0.1)" }
        lines += [
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        lines += Self.base64Lines(text)
        lines += ["--\(boundary)", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", ""]
        lines += Self.base64Lines(html)
        lines += ["--\(boundary)--", ""]
        return lines.joined(separator: "\r\n")
    }

    /// `Thu, 26 Nov 2026 01:17:15 +0000`
    public static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// A header value as is when it is printable ASCII, else as RFC 2047 `=?utf-8?B?…?=` words
    /// (each under 75 characters, split on character boundaries).
    public static func encodeWord(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) { return clean }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in clean {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Name <address>` with the display name encoded when needed.
    static func encodeMailbox(_ mailbox: String) -> String {
        guard let open = mailbox.lastIndex(of: "<"), open != mailbox.startIndex else { return mailbox }
        let name = mailbox[..<open].trimmingCharacters(in: .whitespaces)
        let address = mailbox[open...]
        guard !name.isEmpty else { return String(address) }
        return "\(encodeWord(name)) \(address)"
    }

    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }
}
