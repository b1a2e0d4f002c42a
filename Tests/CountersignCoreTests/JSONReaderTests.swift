import CountersignCore
import Foundation
import Testing

/// The strict RFC 8259 reader and the writer's escaping.
@Suite("JSON reader and writer")
struct JSONReaderTests {
    /// Reads one whole document, refusing trailing data.
    static func parse(_ text: String) throws(JSONError) -> JSONValue {
        try Array(text.utf8).withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            var reader = JSONReader(buffer)
            let value = try reader.readValue()
            guard reader.atEnd() else { throw JSONError("trailing data", at: reader.offset) }
            return value
        }
    }

    static func parseBytes(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        let text = String(decoding: bytes, as: UTF8.self)
        return try parse(text)
    }

    @Test(
        "valid documents",
        arguments: [
            (
                #"{"a":[1,2,{"b":null}],"c":true,"d":false,"e":"x"}"#,
                JSONValue.object([
                    JSONMember("a", .array([.number("1"), .number("2"), .object([JSONMember("b", .null)])])), JSONMember("c", .bool(true)),
                    JSONMember("d", .bool(false)), JSONMember("e", .string("x")),
                ])
            ),
            ("  [ ]  ", .array([])),
            ("{}", .object([])),
            ("\n\t{ \"k\" :\r\n 1 }\n", .object([JSONMember("k", .number("1"))])),
            ("0", .number("0")),
            ("-0", .number("-0")),
            ("1e3", .number("1e3")),
            ("-0.5", .number("-0.5")),
            ("2400.00", .number("2400.00")),
            ("1E+2", .number("1E+2")),
            ("6.02e-23", .number("6.02e-23")),
            (#""""#, .string("")),
            (#""caf\u00e9 \u00E9""#, .string("café é")),
            (#""\ud83d\ude00""#, .string("😀")),
            (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{08}\u{0C}\n\r\t")),
            ("\"héllo 😀\"", .string("héllo 😀")),
            ("null", .null),
            ("true", .bool(true)),
            (#"{"a":1,"a":2}"#, .object([JSONMember("a", .number("1")), JSONMember("a", .number("2"))])),
        ] as [(String, JSONValue)])
    func valid(text: String, expected: JSONValue) throws {
        #expect(try Self.parse(text) == expected)
    }

    @Test(
        "invalid documents are refused",
        arguments: [
            "[1,2,]", #"{"a":1,}"#, "[,1]", "01", "-01", "00", "1.", ".5", "+1", "1.e3", "1e", "1e+", "0x10", "-", "--1",
            "NaN", "Infinity", "-Infinity", "1 2", "[1 2]", #"{"a" 1}"#, #"{a:1}"#, "{'a':1}", "['a']", #"{"a":}"#, #"{"a"}"#,
            "tru", "nul", "True", "nullx", "[", "{", "]", "}", #"{"a":[1}"#, "[1]]", "",
            "\"abc", "\"abc\\", "\"abc\\\"", "\"a\u{01}b\"", "\"a\nb\"", "\"a\tb\"", "\"\u{1F}\"",
            #""\x""#, #""\a""#, #""\u12""#, #""\u12G4""#, #""\U0041""#, "\"\\'\"",
        ])
    func invalid(text: String) {
        #expect(throws: JSONError.self, "\(text.debugDescription)") { try Self.parse(text) }
    }

    @Test("error messages say what was wrong and where")
    func errorMessages() {
        func error(_ text: String) -> JSONError? {
            do {
                _ = try Self.parse(text)
                return nil
            } catch { return error }
        }
        #expect(error("\"abc")?.message == "unterminated string")
        #expect(error("\"abc")?.offset == 0)
        #expect(error("[\"a\u{01}\"]")?.message == "control character in a string")
        #expect(error("[\"a\u{01}\"]")?.offset == 3)
        #expect(error(#"["\q"]"#)?.message == "invalid escape")
        #expect(error("[1,]")?.offset == 3)
        #expect(error("[1,]")?.description.contains("at byte 4") == true)
    }

    @Test(
        "lone or mismatched surrogates are refused rather than replaced with U+FFFD",
        arguments: [#""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ud83d\ud83d""#])
    func surrogates(text: String) throws {
        #expect(throws: JSONError.self) { try Self.parse(text) }
        #expect(try Self.parse(#""\uD83D\uDE00\uD83D\uDE00""#) == .string("😀😀"))
    }

    @Test("nesting up to 64 levels is read, deeper is refused", arguments: [1, 2, 63, 64, 65, 100, 10_000])
    func nesting(depth: Int) {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        let mixed = String(repeating: #"[{"a":"#, count: (depth + 1) / 2) + "1" + String(repeating: "}]", count: (depth + 1) / 2)
        if depth <= JSONReader.maximumDepth {
            #expect(throws: Never.self) { try Self.parse(arrays) }
            #expect(throws: Never.self) { try Self.parse(objects) }
        } else {
            for text in [arrays, objects, mixed] {
                let error = #expect(throws: JSONError.self) { try Self.parse(text) }
                #expect(error?.message.contains("nesting deeper than 64") == true)
            }
        }
        #expect(JSONReader.maximumDepth == 64)
    }

    @Test(
        "numbers read as doubles and exact decimals",
        arguments: [
            ("1e3", 1000.0, "1000"), ("-0.5", -0.5, "-0.5"), ("0.1", 0.1, "0.1"), ("2400.00", 2400, "2400"), ("0", 0, "0"),
            ("1E-2", 0.01, "0.01"), ("123456789.123456789", 123456789.123456789, "123456789.123456789"), ("0.97", 0.97, "0.97"),
        ] as [(String, Double, String)])
    func numbers(text: String, double: Double, decimal: String) throws {
        let bytes = Array(text.utf8)
        let (d, m) = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> (Double, Decimal) in
            var first = JSONReader(buffer)
            let d = try first.readDouble()
            var second = JSONReader(buffer)
            return (d, try second.readDecimal())
        }
        #expect(d == double)
        #expect(m == money(decimal))
    }

    @Test("decimals are exact: 0.1 + 0.2 == 0.3")
    func decimalExactness() throws {
        let values = try ["0.1", "0.2", "0.3"].map { text throws(JSONError) -> Decimal in
            try Array(text.utf8).withUnsafeBufferPointer { (buffer) throws(JSONError) -> Decimal in
                var reader = JSONReader(buffer)
                return try reader.readDecimal()
            }
        }
        #expect(values[0] + values[1] == values[2])
        #expect(0.1 + 0.2 != 0.3 as Double)
    }

    @Test("a typed walk: members in order, null, skipped values")
    func typedWalk() throws {
        let text = #"{"name":"x","skip":{"deep":[1,{"a":null}]},"n":null,"ok":true,"list":[1,2]}"#
        let bytes = Array(text.utf8)
        let (keys, name, sawNull, ok, atEnd) = try bytes.withUnsafeBufferPointer {
            (buffer) throws(JSONError) -> ([String], String?, Bool, Bool?, Bool) in
            var reader = JSONReader(buffer)
            try reader.beginObject()
            var keys: [String] = []
            var name: String?
            var sawNull = false
            var ok: Bool?
            var first = true
            while let key = try reader.nextMember(first: first) {
                first = false
                keys.append(key)
                switch key {
                case "name": name = try reader.readString()
                case "n": sawNull = try reader.readNull()
                case "ok": ok = try reader.readNull() ? nil : try reader.readBool()
                default: try reader.skipValue()
                }
            }
            return (keys, name, sawNull, ok, reader.atEnd())
        }
        #expect(keys == ["name", "skip", "n", "ok", "list"])
        #expect(name == "x")
        #expect(sawNull)
        #expect(ok == true)
        #expect(atEnd)
    }

    @Test("values of the wrong type are refused by typed reads")
    func typedMismatch() {
        func attempt(_ text: String, _ read: (inout JSONReader) throws(JSONError) -> Void) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { buffer in
                var reader = JSONReader(buffer)
                do {
                    try read(&reader)
                    return true
                } catch { return false }
            }
        }
        #expect(!attempt("12") { reader throws(JSONError) in _ = try reader.readString() })
        #expect(!attempt(#""12""#) { reader throws(JSONError) in _ = try reader.readDouble() })
        #expect(!attempt("null") { reader throws(JSONError) in _ = try reader.readBool() })
        #expect(!attempt("1e999") { reader throws(JSONError) in _ = try reader.readDouble() })
        #expect(attempt("1e308") { reader throws(JSONError) in _ = try reader.readDouble() })
    }

    // MARK: Writer

    @Test(
        "writer escapes and the reader reads back the same string",
        arguments: [
            "", "plain", "quote \" backslash \\ slash /", "newline\nreturn\rtab\t", "\u{00}\u{01}\u{08}\u{0C}\u{1F}",
            "café 😀 日本語", "\u{2028}\u{2029}", "\u{7F}", "ends with backslash \\",
        ])
    func writerRoundTrip(text: String) throws {
        var writer = JSONWriter()
        writer.string(text)
        let written = String(decoding: writer.bytes, as: UTF8.self)
        #expect(!written.dropFirst().dropLast().unicodeScalars.contains { $0.value < 0x20 }, "raw control character written")
        #expect(try Self.parseBytes(writer.bytes) == .string(text))
    }

    @Test("writer escape forms")
    func writerForms() {
        var writer = JSONWriter()
        writer.string("a\"b\\c\nd\u{01}e\u{1F}")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\"b\\c\nd\u0001e\u001f""#)
    }

    @Test("random strings survive a write/read round trip")
    func randomRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        let alphabet: [Unicode.Scalar] = (0..<0x80).compactMap(Unicode.Scalar.init) + ["é", "€", "😀", "\u{2028}", "中"]
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<Int.random(in: 0...40, using: &rng) { text.unicodeScalars.append(alphabet.randomElement(using: &rng)!) }
            var writer = JSONWriter()
            writer.raw("[")
            writer.string(text)
            writer.raw("]")
            #expect(try Self.parseBytes(writer.bytes) == .array([.string(text)]), "\(text.debugDescription)")
        }
    }

    @Test("writer values: numbers, decimals, nested trees")
    func writerValues() throws {
        var writer = JSONWriter()
        let tree = JSONValue.object([
            JSONMember("n", .number("2400.00")), JSONMember("list", .array([.null, .bool(true), .bool(false), .string("x\"y")])),
            JSONMember("empty", .object([])),
        ])
        writer.value(tree)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"n":2400.00,"list":[null,true,false,"x\"y"],"empty":{}}"#)
        #expect(try Self.parseBytes(writer.bytes) == tree)

        var numbers = JSONWriter()
        numbers.raw("[")
        numbers.integer(7)
        numbers.raw(",")
        numbers.integer(-12)
        numbers.raw(",")
        numbers.double(0.97)
        numbers.raw(",")
        numbers.double(3)
        numbers.raw(",")
        numbers.double(.nan)
        numbers.raw(",")
        numbers.decimal(money("2400.5"))
        numbers.raw("]")
        #expect(String(decoding: numbers.bytes, as: UTF8.self) == "[7,-12,0.97,3,null,2400.5]")
    }
}
