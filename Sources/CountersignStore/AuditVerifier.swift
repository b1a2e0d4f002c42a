/// Walks a store's whole audit chain, a page at a time, and names the first broken entry.
public enum AuditVerifier {
    public struct Report: Sendable {
        /// How many entries were checked and found good.
        public var verified: Int64
        /// The first break, if any.
        public var firstBreak: AuditChain.Break?
        /// Entries whose hash verifies but whose data is not a JSON text (an older version wrote
        /// an amount as `NaN`): unchanged, yet unreadable. At most `keptUnreadable` are listed.
        public var unreadable: [Int64] = []
        /// How many entries are unreadable in all.
        public var unreadableCount = 0
    }

    /// How many unreadable entries a report lists by number.
    public static let keptUnreadable = 100

    public static func verify(_ store: any GatewayStore, pageSize: Int = 1000) async throws -> Report {
        var previous = AuditChain.genesis
        var expected: Int64 = 1
        var after: Int64 = 0
        var report = Report(verified: 0, firstBreak: nil)
        while true {
            let page: [AuditEntry]
            do {
                page = try await store.auditEntries(after: after, limit: pageSize)
            } catch let unreadable as UnreadableRecord {
                // A column of the wrong type: the row is not what was hashed, so it was changed.
                report.verified = expected - 1
                report.firstBreak = AuditChain.Break(
                    sequence: Int64(unreadable.id) ?? expected, problem: "the entry cannot be read (\(unreadable.problem))")
                return report
            }
            let broken = AuditChain.verify(page, previous: &previous, expectedSequence: &expected)
            for entry in page where !entry.isDataReadable && entry.sequence < expected {
                report.unreadableCount += 1
                if report.unreadable.count < keptUnreadable { report.unreadable.append(entry.sequence) }
            }
            report.verified = expected - 1
            if let broken {
                report.firstBreak = broken
                return report
            }
            guard let last = page.last, page.count == pageSize else { return report }
            after = last.sequence
        }
    }
}
