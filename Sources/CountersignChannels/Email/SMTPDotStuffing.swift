/// The DATA section's transparency (RFC 5321 §4.5.2): CRLF line ends, a leading dot doubled,
/// and the terminating `CRLF.CRLF`.
enum SMTPDotStuffing {
    static func encode(_ message: String) -> String {
        var out = ""
        out.reserveCapacity(message.utf8.count + 16)
        let normalized = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            if line.hasPrefix(".") { out += "." }
            out += line
            out += "\r\n"
        }
        return out + ".\r\n"
    }
}
