import CountersignCore
import Foundation
import Testing

/// Durations as people write them: `90s`, `30m`, `24h`, `7d`, `500ms`, `1h30m`.
@Suite("Duration text")
struct DurationTextTests {
    @Test(
        "parses",
        arguments: [
            ("90s", 90.0), ("30m", 1800), ("24h", 86400), ("7d", 604_800), ("1h30m", 5400), ("500ms", 0.5), ("2w", 1_209_600),
            ("1d12h", 129_600), ("1h0m30s", 3630), ("1.5h", 5400), ("0s", 0), ("  30m  ", 1800), ("1m500ms", 60.5), ("100ms", 0.1),
        ] as [(String, Double)])
    func parses(text: String, seconds: Double) throws {
        let parsed = try #require(DurationText.seconds(text), "\(text)")
        #expect(abs(parsed - seconds) < 1e-9)
    }

    @Test(
        "refuses",
        arguments: [
            "3q", "", "   ", "-5m", "+5m", "5", "m", "30 m", "1h 30m", "30M", "5mm", "1..5s", "h1", "1e3s", "thirty minutes",
            "٣m", "30m!", "1h-30m", "ms", "1.2.3h",
        ])
    func refuses(text: String) {
        #expect(DurationText.seconds(text) == nil, "\(text)")
    }

    @Test(
        "formats compactly",
        arguments: [
            (0.0, "0s"), (90, "1m30s"), (1800, "30m"), (3600, "1h"), (5400, "1h30m"), (86400, "1d"), (90000, "1d1h"), (604_800, "7d"),
            (3661, "1h1m1s"), (59.6, "1m"),
        ] as [(Double, String)])
    func formats(seconds: Double, text: String) {
        #expect(DurationText.format(seconds) == text)
    }

    @Test("format and parse agree on whole seconds")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 30)
        for _ in 0..<500 {
            let seconds = Double(Int.random(in: 0...10_000_000, using: &rng))
            let text = DurationText.format(seconds)
            #expect(try #require(DurationText.seconds(text), "\(text)") == seconds)
        }
    }
}
