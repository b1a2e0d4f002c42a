import CountersignCore
import Foundation
import Testing

/// The one definition of an accepted amount (issue 15, item 1): exact, never negative, at most 18
/// digits before the point and 18 after; beyond that refused, never rounded or turned into NaN.
@Suite("Money")
struct MoneyTests {
    static let largest = "999999999999999999.999999999999999999"

    @Test(
        "accepted amounts keep their exact value and have one canonical text",
        arguments: [
            ("0", "0"), ("0.00", "0"), ("-0", "0"), ("2400.00", "2400"), ("2400.50", "2400.5"), ("1e3", "1000"), ("1.5E3", "1500"),
            ("0.000000000000000001", "0.000000000000000001"), ("1e-18", "0.000000000000000001"),
            ("999999999999999999", "999999999999999999"), ("1e17", "100000000000000000"),
            (largest, largest), ("0.1000000000000000000000000", "0.1"), ("000123.4500", "123.45"),
        ])
    func accepted(text: String, canonical: String) throws {
        let amount = try Money.parse(text)
        #expect(amount.description == canonical)
        #expect(try Money.parse(amount.description) == amount)
        // Through Foundation's Decimal and back without loss.
        #expect(Money(amount.decimal) == amount)
        #expect(amount.decimal == Decimal(string: canonical, locale: Locale(identifier: "en_US_POSIX")))
    }

    @Test(
        "amounts beyond the bounds, negative or not numbers are refused",
        arguments: [
            ("1e128", Money.Refusal.notAnAmount), ("1E128", .notAnAmount), ("1e18", .notAnAmount), ("1000000000000000000", .notAnAmount),
            ("0.0000000000000000001", .notAnAmount), ("1e-19", .notAnAmount), ("1.0000000000000000001", .notAnAmount),
            ("999999999999999999.9999999999999999999", .notAnAmount), ("1e9999", .notAnAmount), ("1e-9999", .notAnAmount),
            ("1e99999", .notAnAmount), (String(repeating: "9", count: 50), .notAnAmount), ("NaN", .notAnAmount),
            ("Infinity", .notAnAmount), ("", .notAnAmount), ("1.2.3", .notAnAmount), ("0x10", .notAnAmount), ("2400 USD", .notAnAmount),
            ("-1", .negative), ("-0.01", .negative), ("-1e128", .negative),
        ])
    func refused(text: String, refusal: Money.Refusal) {
        #expect(throws: refusal) { try Money.parse(text) }
    }

    @Test("NaN, negative and out-of-bounds Decimals are not money")
    func decimals() {
        #expect(Money(Decimal.nan) == nil)
        #expect(Money(Decimal(-1)) == nil)
        #expect(Money(Decimal(sign: .plus, exponent: 127, significand: 1)) == nil)
        #expect(Money(Decimal(sign: .plus, exponent: -19, significand: 1)) == nil)
        #expect(Money(Decimal(string: Self.largest)!) == Money.maximum)
    }

    @Test("comparison is exact at the edges")
    func comparison() throws {
        #expect(try Money.parse("500.000000000000000001") > Money.parse("500"))
        #expect(try Money.parse("500.00") == Money.parse("5e2"))
        #expect(try Money.parse("0.000000000000000001") > Money.parse("0"))
        #expect(try Money.maximum > Money.parse("999999999999999999.999999999999999998"))
    }
}
