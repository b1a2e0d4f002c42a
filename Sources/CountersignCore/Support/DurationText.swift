import Foundation

/// Durations as people write them in policy files and on the command line:
/// `90s`, `30m`, `24h`, `7d`, `500ms`, and sums such as `1h30m`.
public enum DurationText {
    /// The longest duration accepted: 100 years, far beyond any timeout, and small enough that
    /// every date it is added to stays a date the stores can keep.
    public static let maximumSeconds: TimeInterval = 100 * 366 * 86400

    /// Seconds for `text`, or `nil` when it is not a duration (or longer than `maximumSeconds`).
    public static func seconds(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var number = ""
        var unit = ""
        var sawPart = false
        func flush() -> Bool {
            guard let value = Double(number), value >= 0 else { return false }
            let scale: TimeInterval
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            case "w": scale = 7 * 86400
            default: return false
            }
            total += value * scale
            number = ""
            unit = ""
            sawPart = true
            return true
        }
        for character in text.trimmingCharacters(in: .whitespaces) {
            if character.isASCII, character.isNumber || character == "." {
                if !unit.isEmpty, !flush() { return nil }
                number.append(character)
            } else if character.isASCII, character.isLetter {
                if number.isEmpty { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        if !number.isEmpty || !unit.isEmpty {
            guard flush() else { return nil }
        }
        return sawPart && total <= maximumSeconds ? total : nil
    }

    /// A compact form of `seconds` (`30m`, `24h`, `1h30m`, `90s`).
    public static func format(_ seconds: TimeInterval) -> String {
        var rest = seconds.isFinite ? Int(min(max(seconds, 0), maximumSeconds * 1000).rounded()) : 0
        if rest == 0 { return "0s" }
        var out = ""
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}
