import Foundation
import Testing

@testable import CountersignGateway

/// Ids are UUID version 7 (RFC 9562): time-ordered, lowercase, with the version and variant bits set.
@Suite struct IdentifierTests {
    @Test func formatVersionAndVariant() throws {
        for _ in 0..<1000 {
            let id = Identifier.make()
            #expect(id.utf8.count == 36)
            #expect(id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil, "\(id)")
            #expect(UUID(uuidString: id) != nil)
        }
    }

    @Test func beginsWithTheMillisecondsOfItsTime() throws {
        let date = Date(timeIntervalSince1970: 1_764_115_200.123)  // 2025-11-26T00:00:00.123Z
        let id = Identifier.make(at: date)
        let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
        #expect(UInt64(hex, radix: 16) == 1_764_115_200_123)
    }

    /// Within one millisecond the order is random (74 random bits, no counter); across milliseconds it follows time.
    @Test func laterIdsSortAfterEarlierOnesAndNoneRepeat() {
        let start = Date(timeIntervalSince1970: 1_764_115_200)
        let ids = (0..<5000).map { Identifier.make(at: start.addingTimeInterval((Double($0) + 0.5) / 1000)) }
        #expect(ids.elementsEqual(ids.sorted()), "ids of later milliseconds sort after earlier ones")
        #expect(Set(ids).count == ids.count)
        let sameMillisecond = (0..<5000).map { _ in Identifier.make(at: start) }
        #expect(Set(sameMillisecond).count == sameMillisecond.count)
    }
}
