import CountersignCore
import CountersignStore
import Foundation
import PostgresNIO

/// The queue read whole and by subject on PostgreSQL, through the same indexes as on SQLite (the
/// migration after v6: `approvals_pending_queue`, `approvals_pending_by_agent`,
/// `approvals_by_agent`). Each query names only the conditions it has, with statuses as literals,
/// so the planner sees the partial indexes' condition; ids compare byte by byte (`COLLATE "C"`).
extension PostgresStore {
    public func approvals(matching filter: ApprovalFilter, after cursor: ApprovalCursor?, limit: Int) async throws -> [ApprovalView] {
        try await readablePage(limit: limit, from: cursor.map { (Millis.from($0.createdAt), $0.id) }, key: "created_at") { position, wanted in
            var query = try QueueQuery(filter, statuses: filter.statuses)
            if let position {
                let at = try query.bind(position.key)
                let id = try query.bind(position.id)
                query.sql += " AND (a.created_at < \(at) OR (a.created_at = \(at) AND a.id COLLATE \"C\" < \(id)))"
            }
            let count = try query.bind(wanted)
            query.sql += " ORDER BY a.created_at DESC, a.id COLLATE \"C\" DESC LIMIT \(count)"
            return query.query
        }
    }

    public func pendingQueue(matching filter: ApprovalFilter, after cursor: DeadlineCursor?, limit: Int) async throws -> [ApprovalView] {
        try await readablePage(limit: limit, from: cursor.map { (Millis.from($0.deadline), $0.id) }, key: "deadline") { position, wanted in
            var query = try QueueQuery(filter, statuses: [.pending])
            if let position {
                let at = try query.bind(position.key)
                let id = try query.bind(position.id)
                query.sql += " AND (a.deadline > \(at) OR (a.deadline = \(at) AND a.id COLLATE \"C\" > \(id)))"
            }
            let count = try query.bind(wanted)
            query.sql += " ORDER BY a.deadline, a.id COLLATE \"C\" LIMIT \(count)"
            return query.query
        }
    }

    public func pendingCounts(by dimension: QueueDimension, matching filter: ApprovalFilter, limit: Int) async throws -> [QueueCount] {
        let column =
            switch dimension {
            case .agent: "a.agent"
            case .operation: "p.operation"
            case .riskClass: "p.risk_class"
            }
        var query = QueueQuery()
        query.sql =
            "SELECT \(column) AS value, COUNT(*) AS count FROM approvals a JOIN proposals p ON p.id = a.proposal_id WHERE a.status = 'pending'"
        try query.narrow(filter)
        let count = try query.bind(limit)
        query.sql += " GROUP BY \(column) ORDER BY count DESC, \(column) COLLATE \"C\" LIMIT \(count)"
        let built = query.query
        return try await client.withConnection { connection in
            try await connection.rows(built).map { row in
                let (value, count) = try row.decode((String, Int64).self)
                return QueueCount(value: value, count: Int(count))
            }
        }
    }

    public func pendingLoad(agent: String) async throws -> PendingLoad {
        try await client.withConnection { connection in
            let row = try await connection.rows(
                "SELECT COUNT(*), MIN(deadline) FROM approvals WHERE agent = \(agent) AND status = 'pending'"
            ).first
            guard let row else { return PendingLoad(count: 0, earliestDeadline: nil) }
            let (count, earliest) = try row.decode((Int64, Int64?).self)
            return PendingLoad(count: Int(count), earliestDeadline: earliest.map(Millis.date))
        }
    }

    public func proposal(agent: String, idempotencyKey: String) async throws -> ProposalView? {
        try await client.withConnection { connection in
            guard
                let id = try await connection.rows("SELECT id FROM proposals WHERE agent = \(agent) AND idempotency_key = \(idempotencyKey)")
                    .first?.decode(String.self)
            else { return nil }
            return try await Self.proposalView(connection, id: id)
        }
    }
}

/// A query assembled from the conditions a read has, with its values bound as parameters.
struct QueueQuery {
    var sql = ""
    var binds = PostgresBindings()

    init() {}

    /// The approvals-with-proposals select narrowed by `filter`'s subject and by `statuses`.
    init(_ filter: ApprovalFilter, statuses: Set<ApprovalStatus>?) throws {
        sql = "SELECT a.*, \(PostgresStore.proposalColumns) FROM approvals a JOIN proposals p ON p.id = a.proposal_id WHERE TRUE"
        if let statuses {
            let names = statuses.map { "'\($0.rawValue)'" }.sorted()
            sql += names.count == 1 ? " AND a.status = \(names[0])" : " AND a.status IN (\(names.joined(separator: ", ")))"
        }
        try narrow(filter)
    }

    mutating func narrow(_ filter: ApprovalFilter) throws {
        if let agent = filter.agent {
            let value = try bind(agent)
            sql += " AND a.agent = \(value)"
        }
        if let operation = filter.operation {
            let value = try bind(operation)
            sql += " AND p.operation = \(value)"
        }
        if let riskClass = filter.riskClass {
            let value = try bind(riskClass)
            sql += " AND p.risk_class = \(value)"
        }
    }

    /// Binds `value`; returns its placeholder (`$n`).
    mutating func bind(_ value: some PostgresThrowingDynamicTypeEncodable) throws -> String {
        try binds.append(value)
        return "$\(binds.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
