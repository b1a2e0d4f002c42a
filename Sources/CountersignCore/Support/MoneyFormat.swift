import Foundation

/// Amounts as approvers read them: thousands grouped, at least two decimals (`2,400.00`).
public enum MoneyFormat {
    public static func format(_ amount: Decimal) -> String {
        var text = amount.description
        var negative = false
        if text.hasPrefix("-") {
            negative = true
            text.removeFirst()
        }
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = Array(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.count < 2 { fraction += "0" }
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (negative ? "-" : "") + grouped + "." + fraction
    }

    /// `amount` with its currency when known (`2,400.00 USD`).
    public static func format(_ amount: Decimal, currency: String?) -> String {
        guard let currency else { return format(amount) }
        return format(amount) + " " + currency
    }
}
