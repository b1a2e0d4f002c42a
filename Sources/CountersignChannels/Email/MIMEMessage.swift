import Foundation

/// An RFC 5322 message with a `multipart/alternative` body (text/plain, then text/html), both
/// UTF-8 in base64 lines of 76 characters, and RFC 2047 encoded words for non-ASCII headers.
/// Every header is built by `headerField`, so none is longer than RFC 5322 allows and none can be
/// split or injected by the text in it.
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
            Self.headerField("Subject", subject),
            "Message-ID: <\(Self.headerText(messageID).replacingOccurrences(of: " ", with: ""))>",
            "MIME-Version: 1.0",
        ]
        lines += headers.map { Self.headerField($0.0, $0.1) }
        lines += [
            "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"",
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
    /// (each under 75 characters, split on Unicode scalar boundaries, so never inside a UTF-8
    /// sequence), one per folded line. CR, LF and every other control character become spaces.
    public static func encodeWord(_ text: String) -> String {
        let clean = headerText(text, collapsingSpaces: false)
        if clean.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) { return clean }
        return encodedWords(clean).joined(separator: "\r\n ")
    }

    /// The most UTF-8 bytes one encoded word carries: 52 base64 characters, so that a word is
    /// 64 characters and even the first line (`Subject: ` and a word) stays under RFC 2047's 76.
    static let encodedWordBytes = 39

    /// `Name: value` as it goes on the wire, within RFC 5322's line limits whatever the value:
    /// control characters (CR and LF included: no header can be injected) become spaces and runs
    /// of spaces one; then the field is kept as is when it fits on one 78-character line, folded
    /// at spaces when it is printable ASCII whose words fit, and otherwise written as RFC 2047
    /// encoded words, one per folded line (none longer than 76 characters).
    public static func headerField(_ name: String, _ value: String) -> String {
        let clean = headerText(value)
        let ascii = clean.utf8.allSatisfy { (0x20..<0x7F).contains($0) }
        if ascii {
            let line = name + ": " + clean
            if line.utf8.count <= 78 { return line }
            if let folded = foldedAtSpaces(line) { return folded }
        }
        return name + ": " + encodedWords(clean).joined(separator: "\r\n ")
    }

    /// `text` with every control character (C0, DEL, C1, line and paragraph separators) as a
    /// space, runs of spaces as one (when `collapsingSpaces`), trimmed; on Unicode scalars.
    public static func headerText(_ text: String, collapsingSpaces: Bool = true) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let control = value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
            let next: Unicode.Scalar = control ? " " : scalar
            if collapsingSpaces, next == " ", out.last == " " || out.isEmpty { continue }
            out.append(next)
        }
        if collapsingSpaces, out.last == " " { out.removeLast() }
        return String(out)
    }

    /// RFC 2047 B words of at most `encodedWordBytes` bytes each, cut between Unicode scalars.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > encodedWordBytes {
                words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words
    }

    /// A printable-ASCII `line` folded before spaces into lines of at most 78 characters, or
    /// `nil` when one of its words is too long for that.
    static func foldedAtSpaces(_ line: String) -> String? {
        var lines: [String] = []
        var current = ""
        for (index, word) in line.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            let piece = index == 0 ? String(word) : " " + word
            if !current.isEmpty, current.utf8.count + piece.utf8.count > 78 {
                lines.append(current)
                current = piece
            } else {
                current += piece
            }
            if current.utf8.count > 78 { return nil }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// `Name <address>` with the display name encoded when needed; control characters become
    /// spaces (the address comes from the configuration, but a header must never break).
    static func encodeMailbox(_ mailbox: String) -> String {
        let mailbox = headerText(mailbox)
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
