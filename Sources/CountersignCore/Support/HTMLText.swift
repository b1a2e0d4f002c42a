/// HTML text escaping for every value that comes from an agent, a proposal or an approver, on
/// console pages, in the dashboard's SVG and in email cards alike: valid in element content and
/// in quoted attribute values.
///
/// It works on Unicode scalars: a `Character` (grapheme cluster) such as U+0600 followed by `<`,
/// or `"` followed by U+0301, is not equal to `<` or `"` and would pass a `Character`-based
/// escaper raw. Characters that hide or reorder text (bidirectional controls, other invisible
/// format characters, control characters) are first made visible by ``DisplayText/lines(_:)``.
public enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as character references; concealing characters marked.
    public static func escape(_ text: String) -> String {
        let visible = DisplayText.lines(text)
        var out = String.UnicodeScalarView()
        for scalar in visible.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// The scalars `escape` never writes raw.
    public static let specialScalars: [Unicode.Scalar] = ["&", "<", ">", "\"", "'"]
}
