import Foundation

/// Numbers as people write them in reason sentences: `0.97`, `0.6`, `10.0`.
enum Number {
    /// `value` rounded to `digits` decimals (always shown), or to at most four when `digits` is nil.
    static func format(_ value: Double, digits: Int? = nil) -> String {
        guard let digits else { return String((value * 10000).rounded() / 10000) }
        let scale = pow(10, Double(digits))
        var text = String((value * scale).rounded() / scale)
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        }
        return text
    }
}
