/// Text an agent wrote, made safe to show a person in any channel (console, email, Slack, SMS)
/// before the channel's own escaping: characters that hide or reorder text are replaced by a
/// visible mark, and line breaks are either normalised (`lines`) or flattened (`line`).
///
/// Works on Unicode scalars, never on `Character`s: a grapheme cluster can hide a control
/// character behind a preceding letter, a scalar cannot.
///
/// - Marked as `[U+XXXX]`: the bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E,
///   U+200F, U+061C), every other format character (general category Cf: U+200B, U+2060, U+FEFF,
///   U+00AD, U+0600–U+0605, the tag characters U+E0000–U+E007F, …) except the zero-width
///   (non-)joiner U+200C and U+200D that emoji and many scripts need, the invisible fillers
///   (U+034F, U+115F, U+1160, U+3164, U+FFA0), and the control characters (C0, DEL, C1) other
///   than tab and line breaks.
/// - Line breaks: CR LF, CR, LF, NEL (U+0085), VT, FF, U+2028 and U+2029.
public enum DisplayText {
    /// What `line` writes for each line break: a visible return sign between spaces, so that
    /// agent text on a one-line field cannot start a line of its own.
    public static let lineBreakMark = " \u{21B5} "

    /// Whether `scalar` is shown as a mark (`[U+202E]`) rather than as itself.
    public static func isConcealing(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85: return false  // tab and line breaks: handled by the callers
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200C, 0x200D: return false
        case 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0: return true
        case 0x2028, 0x2029: return false  // line and paragraph separators: line breaks
        default: return scalar.properties.generalCategory == .format
        }
    }

    /// Whether `scalar` breaks a line.
    public static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `[U+202E]`: four hex digits at least, upper case.
    public static func mark(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "[U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
    }

    /// The text with concealing characters marked and every line break written as `\n` (CR LF
    /// counts as one); tabs stay. For fields that may span lines (reasoning, impact, comments).
    public static func lines(_ text: String) -> String {
        render(text, lineBreak: "\n", tab: "\t")
    }

    /// The text on one line: concealing characters marked, each line break written as
    /// `lineBreakMark`, tabs as a space. For one-line fields (action, agent, operation, subject).
    public static func line(_ text: String) -> String {
        render(text, lineBreak: lineBreakMark, tab: " ")
    }

    /// `text` with at most `maximum` UTF-16 code units (the most any channel counts), cut on a
    /// Unicode scalar boundary and ending in `…` when cut.
    public static func cut(_ text: String, toUTF16 maximum: Int) -> String {
        guard text.utf16.count > maximum else { return text }
        guard maximum > 0 else { return "" }
        var out = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let width = scalar.utf16.count
            guard used + width <= maximum - 1 else { break }
            out.append(scalar)
            used += width
        }
        out.append("\u{2026}")
        return String(out)
    }

    private static func render(_ text: String, lineBreak: String, tab: String) -> String {
        var out = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            defer { afterCR = scalar == "\r" }
            if scalar == "\n", afterCR { continue }  // the LF of CR LF: already written
            if isLineBreak(scalar) {
                out.append(contentsOf: lineBreak.unicodeScalars)
            } else if scalar == "\t" {
                out.append(contentsOf: tab.unicodeScalars)
            } else if isConcealing(scalar) {
                out.append(contentsOf: mark(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
