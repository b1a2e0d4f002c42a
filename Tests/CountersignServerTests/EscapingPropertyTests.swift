import CountersignChannels
import CountersignCore
import Foundation
import Testing

/// Every escaper, over every Unicode scalar value and random combining sequences next to each
/// special character: the output never holds a special scalar raw (a grapheme cluster such as
/// U+0600 `<` or `"` U+0301 must not hide one), concealing characters never pass, and the
/// escaping is undone exactly by decoding (nothing lost, nothing added).
@Suite struct EscapingPropertyTests {
    /// Every scalar value, 0…0x10FFFF without the surrogates, in chunks.
    static let allScalarChunks: [[Unicode.Scalar]] = {
        let scalars = (UInt32(0)...0x10FFFF).compactMap(Unicode.Scalar.init)
        return stride(from: 0, to: scalars.count, by: 8192).map { Array(scalars[$0..<min($0 + 8192, scalars.count)]) }
    }()

    /// Texts with `special` right before and right after every scalar value.
    static func everyScalar(around special: Unicode.Scalar) -> [String] {
        allScalarChunks.map { chunk in
            var text = String.UnicodeScalarView([special])
            for scalar in chunk {
                text.append(scalar)
                text.append(special)
            }
            return String(text)
        }
    }

    /// Seeded, so every run checks the same sequences.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Scalars that join the scalar before or after them into one grapheme cluster: combining
    /// marks of several scripts, prepended concatenation marks (U+0600…), joiners, variation
    /// selectors, emoji modifiers, Hangul jamo, regional indicators, spacing marks.
    static let clustering: [ClosedRange<UInt32>] = [
        0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0600...0x0605, 0x064B...0x065F, 0x06DD...0x06DD, 0x070F...0x070F,
        0x093E...0x094D, 0x0E31...0x0E3A, 0x1100...0x115F, 0x1160...0x11A7, 0x11A8...0x11FF, 0x200C...0x200D, 0x20D0...0x20FF,
        0xFE00...0xFE0F, 0xFE20...0xFE2F, 0x1F1E6...0x1F1FF, 0x1F3FB...0x1F3FF, 0x110BD...0x110BD, 0xE0020...0xE007F, 0xE0100...0xE01EF,
    ]

    /// `count` texts of random clustering sequences (0 to 6 scalars) before and after `special`,
    /// with ordinary letters and other specials mixed in.
    static func combining(around special: Unicode.Scalar, count: Int, seed: UInt64) -> [String] {
        var random = SplitMix64(state: seed ^ UInt64(special.value))
        func sequence() -> [Unicode.Scalar] {
            (0..<Int.random(in: 0...6, using: &random)).map { _ in
                let range = clustering.randomElement(using: &random)!
                return Unicode.Scalar(UInt32.random(in: range, using: &random))!
            }
        }
        let extras: [Unicode.Scalar] = ["a", "\u{05D0}", "\u{0627}", "\u{1F469}", "\n", "\r", "\u{202E}", "&", "<", ">", "\"", "'"]
        return (0..<count).map { _ in
            var text = String.UnicodeScalarView()
            for _ in 0..<8 {
                if Bool.random(using: &random) { text.append(extras.randomElement(using: &random)!) }
                text.append(contentsOf: sequence())
                text.append(special)
                text.append(contentsOf: sequence())
            }
            return String(text)
        }
    }

    static func texts(around special: Unicode.Scalar) -> [String] {
        everyScalar(around: special) + combining(around: special, count: 2000, seed: 0x5EED_0015)
    }

    /// Which texts are also decoded back (a full decode of every chunk is slow in debug builds;
    /// the raw-scalar check covers every one): the random sequences and every 8th chunk.
    static func decodes(_ index: Int) -> Bool { index >= allScalarChunks.count || index % 8 == 0 }

    /// `&name;` references back to their characters (only the ones the escapers write).
    static func decodeReferences(_ text: String, _ references: [String: Unicode.Scalar]) -> String? {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars[...]
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            guard scalar == "&" else {
                out.append(scalar)
                continue
            }
            guard let (name, value) = references.first(where: { scalars.starts(with: $0.key.unicodeScalars) }) else { return nil }
            scalars = scalars.dropFirst(name.unicodeScalars.count)
            out.append(value)
        }
        return String(out)
    }

    static let htmlReferences: [String: Unicode.Scalar] = ["amp;": "&", "lt;": "<", "gt;": ">", "quot;": "\"", "#39;": "'"]
    static let slackReferences: [String: Unicode.Scalar] = ["amp;": "&", "lt;": "<", "gt;": ">"]

    /// Scalars no escaper may write raw: concealing characters and line breaks other than LF.
    static func concealed(_ scalar: Unicode.Scalar) -> Bool {
        DisplayText.isConcealing(scalar) || (DisplayText.isLineBreak(scalar) && scalar != "\n")
    }

    @Test(arguments: HTMLText.specialScalars)
    func htmlEscapingLeavesNoSpecialScalarRaw(special: Unicode.Scalar) async throws {
        for (index, text) in Self.texts(around: special).enumerated() {
            await Task.yield()
            let escaped = HTMLText.escape(text)
            for scalar in escaped.unicodeScalars {
                guard !["<", ">", "\"", "'"].contains(scalar), !Self.concealed(scalar) else {
                    Issue.record("U+\(String(scalar.value, radix: 16)) written raw")
                    return
                }
            }
            // Every & starts one of the references, and decoding gives the visible text back.
            guard Self.decodes(index) else { continue }
            let decoded = try #require(Self.decodeReferences(escaped, Self.htmlReferences), "a raw & in the output")
            #expect(decoded.unicodeScalars.elementsEqual(DisplayText.lines(text).unicodeScalars))
        }
    }

    @Test(arguments: ["&", "<", ">"] as [Unicode.Scalar])
    func slackEscapingLeavesNoSpecialScalarRaw(special: Unicode.Scalar) async throws {
        for (index, text) in Self.texts(around: special).enumerated() {
            await Task.yield()
            for (escaped, visible) in [(SlackCard.escape(text), DisplayText.lines(text)), (SlackCard.escapeLine(text), DisplayText.line(text))] {
                guard !escaped.unicodeScalars.contains(where: { $0 == "<" || $0 == ">" || Self.concealed($0) }) else {
                    Issue.record("a special scalar written raw")
                    return
                }
                guard Self.decodes(index) else { continue }
                let decoded = try #require(Self.decodeReferences(escaped, Self.slackReferences), "a raw & in the output")
                #expect(decoded.unicodeScalars.elementsEqual(visible.unicodeScalars))
            }
            #expect(!SlackCard.escapeLine(text).unicodeScalars.contains("\n"))
        }
    }

    /// Headers: no CR, LF or other control character but the folding CRLF + space, no line over
    /// 78 characters, every encoded word valid UTF-8 on its own (cut between scalars), and the
    /// unfolded, decoded value is the value with its control characters as spaces.
    @Test(arguments: ["\r", "\n", "\u{85}", "\u{2028}", "\0", " "] as [Unicode.Scalar])
    func headersNeverBreakAndDecodeToTheirValue(special: Unicode.Scalar) async throws {
        var texts = Self.texts(around: special)
        texts += [String(repeating: "A", count: 3000), String(repeating: "Refund order ", count: 300), String(repeating: "é\u{301}", count: 900)]
        for text in texts {
            await Task.yield()
            let field = MIMEMessage.headerField("Subject", text)
            let lines = field.components(separatedBy: "\r\n")
            for (index, line) in lines.enumerated() {
                #expect(line.utf8.count <= 78, "a line of \(line.utf8.count) characters")
                #expect(index == 0 ? line.hasPrefix("Subject: ") : line.hasPrefix(" "))
                #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{85}" || $0 == "\u{2028}" })
            }
            let value = try #require(Self.unfoldAndDecode(field), "an encoded word that is not UTF-8 on its own")
            #expect(value.unicodeScalars.elementsEqual(MIMEMessage.headerText(text).unicodeScalars))
        }
    }

    /// The value of a header field as a mail reader sees it (RFC 5322 unfolding, RFC 2047 B words).
    static func unfoldAndDecode(_ field: String) -> String? {
        let body = field.dropFirst("Subject: ".count)
        let parts = body.components(separatedBy: "\r\n ")
        guard parts.allSatisfy({ $0.hasPrefix("=?utf-8?B?") && $0.hasSuffix("?=") }) else {
            return body.replacingOccurrences(of: "\r\n", with: "")  // folded plain text
        }
        var text = ""
        for word in parts {
            guard let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))), let piece = String(data: data, encoding: .utf8) else {
                return nil
            }
            text += piece
        }
        return text
    }

    @Test func visibleTextMarksEveryBidiControlAndKeepsJoiners() {
        for value in Array(0x202A...0x202E) + Array(0x2066...0x2069) + [
            0x200E, 0x200F, 0x061C, 0x200B, 0xFEFF, 0x2060, 0x00AD, 0x0600, 0xE0041, 0x1B, 0x7F, 0x9B,
        ] {
            let scalar = Unicode.Scalar(UInt32(value))!
            let shown = DisplayText.line("a\(Character(scalar))b")
            #expect(shown == "a\(DisplayText.mark(scalar))b", "U+\(String(value, radix: 16))")
        }
        #expect(
            DisplayText.mark("\u{202E}") == "[U+202E]" && DisplayText.mark("\u{E0041}") == "[U+E0041]" && DisplayText.mark("\u{1B}") == "[U+001B]")
        // Joiners stay (emoji and many scripts need them), and so do ordinary letters and marks.
        #expect(DisplayText.line("👩\u{200D}💻 e\u{301} \u{0928}\u{094D}\u{200C}") == "👩\u{200D}💻 e\u{301} \u{0928}\u{094D}\u{200C}")
    }

    @Test(arguments: [
        ("one\ntwo", "one ↵ two", "one\ntwo"), ("one\r\ntwo", "one ↵ two", "one\ntwo"), ("one\rtwo", "one ↵ two", "one\ntwo"),
        ("a\u{2028}b\u{2029}c\u{85}d\u{0B}e\u{0C}f", "a ↵ b ↵ c ↵ d ↵ e ↵ f", "a\nb\nc\nd\ne\nf"), ("tab\there", "tab here", "tab\there"),
        ("\r\n\r\n", " ↵  ↵ ", "\n\n"),
    ])
    func lineBreaksAreFlattenedOrNormalised(text: String, line: String, lines: String) {
        #expect(DisplayText.line(text) == line)
        #expect(DisplayText.lines(text) == lines)
    }

    @Test func cuttingCountsUTF16AndNeverSplitsAScalar() {
        let long = String(repeating: "a\u{1F469}e\u{301}", count: 500)
        #expect(long.utf16.count == 2500)
        for limit in [1, 2, 3, 10, 149, 150, 2499] {
            let cut = DisplayText.cut(long, toUTF16: limit)
            #expect(cut.utf16.count <= limit)
            #expect(cut.hasSuffix("…"))
            #expect(long.unicodeScalars.starts(with: cut.unicodeScalars.dropLast()))
        }
        #expect(DisplayText.cut("short", toUTF16: 5) == "short")
        // One grapheme cluster of 2,000 scalars is cut too (counting Characters would not).
        let cluster = "e" + String(repeating: "\u{301}", count: 2000)
        #expect(DisplayText.cut(cluster, toUTF16: 100).utf16.count <= 100)
    }
}
