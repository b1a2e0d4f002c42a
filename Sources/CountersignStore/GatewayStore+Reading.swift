import Foundation

/// Reading the whole production record and decision history page by page, on any engine, for the
/// offline commands (`countersign report` and `calibrate` with `--postgres`). Memory stays at one page.
extension GatewayStore {
    /// Calls `body` with every proposal created at or after `since`, oldest first (creation time,
    /// then id), reading `pageSize` rows at a time through `productionRows(since:limit:)`.
    public func pageThroughProductionRows(since: Date, pageSize: Int = 5000, _ body: (ProductionRow) throws -> Void) async throws {
        var since = since
        // Rows created in the same millisecond as the last of a page come again at the top of the
        // next (it starts at that time): the order is the same, so the first `seenAtLast` are skipped.
        var seenAtLast = 0
        var limit = max(pageSize, 2)
        while true {
            let rows = try await productionRows(since: since, limit: limit)
            let fresh = rows.dropFirst(min(seenAtLast, rows.count))
            if rows.count == limit, let last = rows.last, rows.first?.createdAt == last.createdAt {
                // A whole page in one millisecond: read it again, larger.
                limit *= 2
                continue
            }
            for row in fresh { try body(row) }
            guard rows.count == limit, let last = rows.last else { return }
            seenAtLast = rows.reversed().prefix { $0.createdAt == last.createdAt }.count
            since = last.createdAt
            limit = max(pageSize, 2)
        }
    }

    public func readEveryProductionRow(since: Date, _ body: (ProductionRow) throws -> Void) async throws {
        try await pageThroughProductionRows(since: since, body)
    }

    public func readEveryDecidedProposal(_ body: (DecidedProposal) throws -> Void) async throws {
        try await pageThroughDecidedProposals(body)
    }

    /// Calls `body` with every decided approval's proposal, oldest decision first, `pageSize` at a time.
    public func pageThroughDecidedProposals(pageSize: Int = 5000, _ body: (DecidedProposal) throws -> Void) async throws {
        var cursor: DecidedCursor?
        while true {
            let page = try await decidedProposals(after: cursor, limit: pageSize)
            for decided in page { try body(decided) }
            guard page.count == pageSize, let last = page.last else { return }
            cursor = last.cursor
        }
    }
}
