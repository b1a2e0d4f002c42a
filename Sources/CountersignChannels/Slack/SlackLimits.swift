import CountersignCore

/// Slack's published Block Kit limits, and a check of a message against them (used by the card
/// builder's tests; the builder truncates so that its cards always pass).
public enum SlackLimits {
    public static let blocksPerMessage = 50
    public static let sectionText = 3000
    public static let headerText = 150
    public static let buttonText = 75
    public static let actionID = 255
    public static let buttonValue = 2000
    public static let contextElements = 10
    /// The top-level `text` (the notification fallback); Slack truncates beyond 40,000.
    public static let messageText = 40000

    /// `text` shortened to at most `limit` characters, ending in `…` when cut. Characters are
    /// counted as UTF-16 code units (never fewer than Slack counts) and the cut falls on a Unicode
    /// scalar boundary: a grapheme cluster can be arbitrarily long, a scalar cannot.
    public static func truncate(_ text: String, _ limit: Int) -> String {
        DisplayText.cut(text, toUTF16: limit)
    }

    /// Every limit a message's `blocks` break, as sentences; empty when it is valid.
    public static func violations(blocks: JSONValue) -> [String] {
        guard case .array(let items) = blocks else { return ["blocks is not an array"] }
        var problems: [String] = []
        if items.count > blocksPerMessage { problems.append("\(items.count) blocks (at most \(blocksPerMessage))") }
        for (index, block) in items.enumerated() {
            let type = block["type"]?.stringValue ?? ""
            switch type {
            case "header":
                check(block["text"]?["text"]?.stringValue, headerText, "block \(index) header text", &problems)
            case "section":
                check(block["text"]?["text"]?.stringValue, sectionText, "block \(index) section text", &problems)
                if case .array(let fields) = block["fields"] {
                    if fields.count > 10 { problems.append("block \(index) has \(fields.count) fields (at most 10)") }
                    for field in fields { check(field["text"]?.stringValue, 2000, "block \(index) field", &problems) }
                }
            case "context":
                if case .array(let elements) = block["elements"] {
                    if elements.count > contextElements { problems.append("block \(index) has \(elements.count) context elements") }
                    for element in elements { check(element["text"]?.stringValue, sectionText, "block \(index) context text", &problems) }
                }
            case "actions":
                guard case .array(let elements) = block["elements"] else { continue }
                if elements.count > 25 { problems.append("block \(index) has \(elements.count) elements (at most 25)") }
                for element in elements {
                    check(element["text"]?["text"]?.stringValue, buttonText, "block \(index) button text", &problems)
                    check(element["action_id"]?.stringValue, actionID, "block \(index) action_id", &problems)
                    check(element["value"]?.stringValue, buttonValue, "block \(index) button value", &problems)
                }
            case "divider": break
            default: problems.append("block \(index) has an unexpected type \(type)")
            }
            check(block["block_id"]?.stringValue, 255, "block \(index) block_id", &problems)
        }
        return problems
    }

    private static func check(_ text: String?, _ limit: Int, _ what: String, _ problems: inout [String]) {
        guard let text else { return }
        if text.utf16.count > limit { problems.append("\(what) has \(text.utf16.count) characters (at most \(limit))") }
        if text.isEmpty { problems.append("\(what) is empty") }
    }
}
