import CountersignCore
import Foundation
import Testing

/// RFC 3339 timestamps, checked against Foundation's Gregorian calendar as an independent oracle.
@Suite("Timestamps")
struct TimestampTests {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func date(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
        utc.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    @Test(
        "parses UTC, offsets and fractions",
        arguments: [
            ("2026-11-24T10:15:00Z", 0.0, "Z"),
            ("2026-11-24t10:15:00z", 0, "lowercase"),
            ("2026-11-24 10:15:00Z", 0, "space"),
            ("2026-11-24T12:15:00+02:00", 0, "+02:00"),
            ("2026-11-24T05:15:00-05:00", 0, "-05:00"),
            ("2026-11-24T15:45:00+05:30", 0, "+05:30"),
            ("2026-11-24T10:15:00+00:00", 0, "+00:00"),
            ("2026-11-24T10:15:00-00:00", 0, "-00:00"),
            ("2026-11-25T00:15:00+14:00", 0, "across midnight"),
            ("2026-11-23T22:15:00-12:00", 0, "across midnight back"),
            ("2026-11-24T10:15:00.250Z", 0.25, "millis"),
            ("2026-11-24T12:15:00.250+02:00", 0.25, "millis with offset"),
            ("2026-11-24T10:15:00.5Z", 0.5, "one digit"),
            // Kept to the millisecond, as stored and written: finer digits are dropped (not rounded,
            // which could carry into the next second), so a parsed time writes back as itself.
            ("2026-11-24T10:15:00.123456Z", 0.123, "micros: to the millisecond"),
            ("2026-11-24T10:15:00.9999Z", 0.999, "sub-millisecond digits are dropped"),
            ("2026-11-24T10:15:00.000000001Z", 0, "nanos: to the millisecond"),
        ] as [(String, Double, String)])
    func parse(text: String, fraction: Double, label: String) throws {
        let parsed = try #require(Timestamp.parse(text), "\(label)")
        let expected = Self.date(2026, 11, 24, 10, 15).timeIntervalSince1970 + fraction
        #expect(abs(parsed.timeIntervalSince1970 - expected) < 1e-6, "\(label)")
        #expect(Timestamp.parse(Timestamp.format(parsed)) == parsed, "\(label): writes back as itself")
    }

    @Test(
        "refuses what is not an RFC 3339 date-time",
        arguments: [
            "", "2026-11-24", "2026-11-24T10:15Z", "2026-11-24T10:15:00", "2026-11-24T10:15:00+02", "2026-11-24T10:15:00+0200",
            "2026-11-24T10:15:00.Z", "2026-11-24T10:15:00Zx", "2026-11-24T10:15:00 Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z",
            "2026-11-32T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:60:00Z", "2026-11-24T10:15:61Z", "2026-11-24T10:15:00+24:00",
            "2026-11-24T10:15:00+02:60", "26-11-24T10:15:00Z", "2026/11/24T10:15:00Z", "2026-11-24X10:15:00Z", "２026-11-24T10:15:00Z",
            "yesterday at noon", "2026-1-24T10:15:00Z", "2026-11-24T10:15:00.5", "2026-11-24T10:15:00.5+02:00x",
        ])
    func invalid(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test(
        "leap days exist only in leap years",
        arguments: [
            (2024, true), (2000, true), (2026, false), (1900, false), (2100, false), (1996, true),
        ])
    func leapDays(year: Int, leap: Bool) {
        let parsed = Timestamp.parse("\(year)-02-29T12:00:00Z")
        #expect((parsed != nil) == leap)
        if leap { #expect(parsed == Self.date(year, 2, 29, 12)) }
    }

    @Test(
        "formats in UTC, with milliseconds only when there are some",
        arguments: [
            (1_795_515_300.0, "2026-11-24T10:15:00Z"),
            (1_795_515_300.25, "2026-11-24T10:15:00.250Z"),
            (1_795_515_300.001, "2026-11-24T10:15:00.001Z"),
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (-0.5, "1969-12-31T23:59:59.500Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1.9996, "1970-01-01T00:00:02Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (-2_208_988_800, "1900-01-01T00:00:00Z"),
        ] as [(Double, String)])
    func format(interval: Double, text: String) {
        #expect(Timestamp.format(Date(timeIntervalSince1970: interval)) == text)
    }

    @Test("random instants: format agrees with the calendar and parse(format(x)) == x to the millisecond")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 2026)
        for _ in 0..<500 {
            let millis = Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &rng)
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let text = Timestamp.format(date)
            let c = Self.utc.dateComponents(
                [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(millis.floorDiv(1000))))
            let pad = { (v: Int, w: Int) in String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
            let prefix = "\(pad(c.year!, 4))-\(pad(c.month!, 2))-\(pad(c.day!, 2))T\(pad(c.hour!, 2)):\(pad(c.minute!, 2)):\(pad(c.second!, 2))"
            #expect(text.hasPrefix(prefix), "\(text) vs \(prefix)")
            let back = try #require(Timestamp.parse(text), "\(text)")
            #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.0005, "\(text)")
        }
    }

    @Test("random offsets name the same instant as UTC")
    func randomOffsets() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let seconds = Int.random(in: 0...4_000_000_000, using: &rng)
            let offsetMinutes = Int.random(in: -(23 * 60 + 59)...(23 * 60 + 59), using: &rng)
            let local = Date(timeIntervalSince1970: Double(seconds + offsetMinutes * 60))
            let utcText = Timestamp.format(local)
            let sign = offsetMinutes < 0 ? "-" : "+"
            let hours = abs(offsetMinutes) / 60
            let minutes = abs(offsetMinutes) % 60
            let offset = sign + (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
            let text = String(utcText.dropLast()) + offset
            let parsed = try #require(Timestamp.parse(text), "\(text)")
            #expect(parsed.timeIntervalSince1970 == Double(seconds), "\(text)")
        }
    }
}

extension Int64 {
    func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
