import Foundation

/// RFC 3339 timestamps (`2026-11-24T10:15:00Z`, `2026-11-24T12:15:00.250+02:00`), parsed and
/// written without a formatter object or locale, to the millisecond.
public enum Timestamp {
    /// The instant `text` names, or `nil` when it is not an RFC 3339 date-time.
    public static func parse(_ text: String) -> Date? {
        text.withUTF8Bytes(parse)
    }

    static func parse(_ t: UnsafeBufferPointer<UInt8>) -> Date? {
        guard t.count >= 20, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"),
            t[10] == UInt8(ascii: "T") || t[10] == UInt8(ascii: "t") || t[10] == UInt8(ascii: " "),
            t[13] == UInt8(ascii: ":"), t[16] == UInt8(ascii: ":"),
            let year = digits(t, 0, 4), let month = digits(t, 5, 2), let day = digits(t, 8, 2),
            let hour = digits(t, 11, 2), let minute = digits(t, 14, 2), let second = digits(t, 17, 2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        // Instants are kept to the millisecond (as stored and as written): digits past the third
        // are read and dropped, so a parsed time writes back as the same time.
        var millis = 0
        if t[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < t.count, ASCII.isDigit(t[index]) {
                if index - start < 3 { millis = millis * 10 + Int(t[index] &- 0x30) }
                index += 1
            }
            guard index > start, index < t.count else { return nil }
            for _ in min(index - start, 3)..<3 { millis *= 10 }
        }
        var offset = 0
        switch t[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == t.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == t.count, t[index + 3] == UInt8(ascii: ":"),
                let hours = digits(t, index + 1, 2), let minutes = digits(t, index + 4, 2), hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (t[index] == UInt8(ascii: "-") ? -1 : 1)
        default: return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + min(second, 59) - offset
        return Date(timeIntervalSince1970: Double(seconds * 1000 + millis) / 1000)
    }

    /// `date` in UTC as `2026-11-24T10:15:00Z`, with milliseconds when it has any.
    public static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int(interval.rounded(.down))
        var millis = Int(((interval - Double(seconds)) * 1000).rounded())
        if millis == 1000 {
            seconds += 1
            millis = 0
        }
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        var text =
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if millis > 0 { text += ".\(pad(millis, 3))" }
        return text + "Z"
    }

    private static func digits(_ t: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            guard ASCII.isDigit(t[index]) else { return nil }
            value = value * 10 + Int(t[index] &- 0x30)
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
