/// Walks a store's whole audit chain, a page at a time, and names the first broken entry.
public enum AuditVerifier {
    public struct Report: Sendable {
        /// How many entries were checked and found good.
        public var verified: Int64
        /// The first break, if any.
        public var firstBreak: AuditChain.Break?
    }

    public static func verify(_ store: any GatewayStore, pageSize: Int = 1000) async throws -> Report {
        var previous = AuditChain.genesis
        var expected: Int64 = 1
        var after: Int64 = 0
        while true {
            let page = try await store.auditEntries(after: after, limit: pageSize)
            if let broken = AuditChain.verify(page, previous: &previous, expectedSequence: &expected) {
                return Report(verified: expected - 1, firstBreak: broken)
            }
            guard let last = page.last, page.count == pageSize else { return Report(verified: expected - 1, firstBreak: nil) }
            after = last.sequence
        }
    }
}
