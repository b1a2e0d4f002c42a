import CountersignCore
import CountersignStore
import Foundation
import GRDB

/// The queue read whole and by subject on SQLite. Pending approvals are reached through the
/// partial indexes of migration v9 (`approvals_pending_queue` in deadline order,
/// `approvals_pending_by_agent` per agent); all approvals of one agent through
/// `approvals_by_agent`. Operation and risk class are the proposal's, joined by primary key.
extension SQLiteStore {
    public func approvals(matching filter: ApprovalFilter, after cursor: ApprovalCursor?, limit: Int) async throws -> [ApprovalView] {
        try await pool.read { db in
            try self.readablePage(limit: limit, from: cursor.map { (Millis.from($0.createdAt), $0.id) }, key: "created_at") { position, wanted in
                var (sql, arguments) = Self.queueSelect(filter, statuses: filter.statuses, order: .newest)
                if let position {
                    sql += " AND (a.created_at < ? OR (a.created_at = ? AND a.id < ?))"
                    arguments += [position.key, position.key, position.id]
                }
                sql += " ORDER BY a.created_at DESC, a.id DESC LIMIT ?"
                arguments += [wanted]
                return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
            }
        }
    }

    public func pendingQueue(matching filter: ApprovalFilter, after cursor: DeadlineCursor?, limit: Int) async throws -> [ApprovalView] {
        try await pool.read { db in
            try self.readablePage(limit: limit, from: cursor.map { (Millis.from($0.deadline), $0.id) }, key: "deadline") { position, wanted in
                var (sql, arguments) = Self.queueSelect(filter, statuses: [.pending], order: .deadline)
                if let position {
                    sql += " AND (a.deadline > ? OR (a.deadline = ? AND a.id > ?))"
                    arguments += [position.key, position.key, position.id]
                }
                sql += " ORDER BY a.deadline, a.id LIMIT ?"
                arguments += [wanted]
                return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
            }
        }
    }

    public func pendingCounts(by dimension: QueueDimension, matching filter: ApprovalFilter, limit: Int) async throws -> [QueueCount] {
        try await pool.read { db in
            let column =
                switch dimension {
                case .agent: "a.agent"
                case .operation: "p.operation"
                case .riskClass: "p.risk_class"
                }
            // By agent alone, the approvals table (its partial index) answers without the join.
            let join = dimension == .agent && filter.operation == nil && filter.riskClass == nil ? "" : " JOIN proposals p ON p.id = a.proposal_id"
            var (conditions, arguments) = Self.subjectConditions(filter)
            conditions.insert("a.status = 'pending'", at: 0)
            let index = dimension == .agent || filter.agent != nil ? "approvals_pending_by_agent" : "approvals_pending_queue"
            let sql = """
                SELECT \(column) AS value, COUNT(*) AS count FROM approvals a INDEXED BY \(index)\(join)
                WHERE \(conditions.joined(separator: " AND ")) GROUP BY \(column) ORDER BY count DESC, value LIMIT ?
                """
            arguments += [limit]
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
                QueueCount(value: row["value"], count: row["count"])
            }
        }
    }

    public func pendingLoad(agent: String) async throws -> PendingLoad {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT COUNT(*) AS count, MIN(deadline) AS earliest FROM approvals INDEXED BY approvals_pending_by_agent
                        WHERE agent = ? AND status = 'pending'
                        """),
                arguments: [agent])
            guard let row else { return PendingLoad(count: 0, earliestDeadline: nil) }
            let count: Int = row["count"]
            let earliest: Int64? = row["earliest"]
            return PendingLoad(count: count, earliestDeadline: earliest.map(Millis.date))
        }
    }

    public func proposal(agent: String, idempotencyKey: String) async throws -> ProposalView? {
        try await pool.read { db in
            guard
                let id = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM proposals WHERE agent = ? AND idempotency_key = ?"), arguments: [agent, idempotencyKey])
            else { return nil }
            return try Self.proposalView(db, id: id)
        }
    }

    /// The order a queue read returns approvals in.
    enum QueueOrder {
        /// Earliest deadline first (pending approvals only).
        case deadline
        /// Newest first.
        case newest
    }

    /// The approvals-with-proposals select narrowed by `filter`'s subject and by `statuses`, on the
    /// index that serves `order`. SQLite has no statistics here (nothing runs ANALYZE), and without
    /// them it prefers `approvals_by_status` and a sort of every pending row; the partial indexes
    /// are named (INDEXED BY) where they serve the read, so a page costs its own rows only.
    static func queueSelect(_ filter: ApprovalFilter, statuses: Set<ApprovalStatus>?, order: QueueOrder) -> (String, StatementArguments) {
        var (conditions, arguments) = subjectConditions(filter)
        if let statuses {
            let names = statuses.map(\.rawValue).sorted()
            let list = names.map { "'\($0)'" }
            conditions.insert(list.count == 1 ? "a.status = \(list[0])" : "a.status IN (\(list.joined(separator: ", ")))", at: 0)
        }
        let index: String? =
            switch order {
            case .deadline: filter.agent == nil ? "approvals_pending_queue" : "approvals_pending_by_agent"
            case .newest: filter.agent == nil ? nil : "approvals_by_agent"
            }
        let sql =
            "SELECT a.*, \(proposalColumns) FROM approvals a\(index.map { " INDEXED BY \($0)" } ?? "") JOIN proposals p ON p.id = a.proposal_id"
            + (conditions.isEmpty ? " WHERE 1 = 1" : " WHERE " + conditions.joined(separator: " AND "))
        return (sql, arguments)
    }

    static func subjectConditions(_ filter: ApprovalFilter) -> ([String], StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let agent = filter.agent {
            conditions.append("a.agent = ?")
            arguments += [agent]
        }
        if let operation = filter.operation {
            conditions.append("p.operation = ?")
            arguments += [operation]
        }
        if let riskClass = filter.riskClass {
            conditions.append("p.risk_class = ?")
            arguments += [riskClass]
        }
        return (conditions, arguments)
    }
}
