import CountersignCore
import CountersignStore
import Foundation
import GRDB

/// Reading and writing rows. Every helper runs inside the caller's transaction.
extension SQLiteStore {
    static let proposalColumns = """
        p.id AS p_id, p.body AS p_body, p.level AS p_level, p.base_level AS p_base_level, p.risk_class AS p_risk_class, \
        p.reasons AS p_reasons, p.created_at AS p_created_at, p.outcome AS p_outcome, p.outcome_detail AS p_outcome_detail, \
        p.outcome_by AS p_outcome_by, p.outcome_at AS p_outcome_at, p.policy_level AS p_policy_level
        """

    static func insert(_ db: Database, _ record: ProposalRecord) throws {
        let proposal = record.proposal
        var insert = try FastStatement(
            db,
            sql: """
                INSERT INTO proposals (id, agent, idempotency_key, operation, risk_class, subject, confidence, amount, level,
                    base_level, reasons, body, created_at, policy_level)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        insert.bind(record.id)
        insert.bind(proposal.agent)
        insert.bind(proposal.idempotencyKey)
        insert.bind(proposal.operation)
        insert.bind(record.verdict.riskClass)
        insert.bind(proposal.subject)
        insert.bind(proposal.confidence)
        insert.bind(proposal.amount.map { "\($0)" })
        insert.bind(record.verdict.level.rawValue)
        insert.bind(record.verdict.baseLevel.rawValue)
        insert.bind(record.verdict.reasonsJSON)
        insert.bind(proposal.jsonBytes)
        insert.bind(Millis.from(record.createdAt))
        insert.bind(record.verdict.policyLevel?.rawValue)
        try insert.execute()
    }

    static func insert(_ db: Database, _ approval: ApprovalRecord, of record: ProposalRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO approvals (id, proposal_id, agent, subject, status, deadline, fallback, created_at, required_approvals)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            approval.id, approval.proposalID, record.proposal.agent, record.proposal.subject, approval.status.rawValue,
            Millis.from(approval.deadline), approval.fallback, Millis.from(approval.createdAt), approval.requiredApprovals,
        ])
    }

    /// Appends an event to the audit chain, after the last entry, in the caller's transaction.
    static func append(_ db: Database, _ event: AuditEvent) throws {
        var sequence: Int64 = 1
        var previous = AuditChain.genesis
        try FastStatement(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").forEachRow { row in
            sequence = row.int64(0) + 1
            previous = row.text(1) ?? previous
        }
        // The log stores the data in the canonical form the hash covers: encoded once.
        let data = AuditChain.canonicalData(event.data)
        let hash = AuditChain.hash(previous: previous, sequence: sequence, event: event, canonicalData: data)
        var insert = try FastStatement(
            db,
            sql: """
                INSERT INTO audit_log (seq, at, kind, proposal_id, approval_id, actor, data, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        insert.bind(sequence)
        insert.bind(Millis.from(event.at))
        insert.bind(event.kind)
        insert.bind(event.proposalID)
        insert.bind(event.approvalID)
        insert.bind(event.actor)
        insert.bind(data)
        insert.bind(previous)
        insert.bind(hash)
        try insert.execute()
    }

    static func history(_ db: Database, _ query: HistoryQuery) throws -> SubjectHistory {
        var history = SubjectHistory()
        if query.recentLimit > 0 {
            var recent = try FastStatement(
                db, sql: "SELECT created_at, confidence FROM proposals WHERE subject = ? AND created_at >= ? ORDER BY created_at DESC LIMIT ?")
            recent.bind(query.subject)
            recent.bind(Millis.from(query.recentSince))
            recent.bind(query.recentLimit)
            try recent.forEachRow { row in
                history.recentProposals.append(PastProposal(at: Millis.date(row.int64(0)), confidence: row.double(1)))
            }
        }
        if let since = query.approvalsSince {
            var count = try FastStatement(
                db, sql: "SELECT COUNT(*) FROM proposals WHERE subject = ? AND created_at >= ? AND base_level = 'approve'")
            count.bind(query.subject)
            count.bind(Millis.from(since))
            try count.forEachRow { row in history.approvalCount = Int(row.int64(0)) }
        }
        if query.decisionLimit > 0 {
            var decisions = try FastStatement(
                db,
                sql: """
                    SELECT status FROM approvals WHERE agent = ? AND subject = ? AND \(SQLiteSchema.humanDecisionCondition)
                    ORDER BY decided_at DESC LIMIT ?
                    """)
            decisions.bind(query.agent)
            decisions.bind(query.subject)
            decisions.bind(query.decisionLimit)
            try decisions.forEachRow { row in
                if let decision = row.text(0).flatMap(PastDecision.init(rawValue:)) { history.recentDecisions.append(decision) }
            }
        }
        return history
    }

    static func proposalView(_ db: Database, id: String) throws -> ProposalView? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(proposalColumns) FROM proposals p WHERE p.id = ?"), arguments: [id]) else {
            return nil
        }
        let proposal = try proposalRecord(row)
        let approval = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM approvals WHERE proposal_id = ?"), arguments: [id]).map {
            try approvalRecord($0)
        }
        return ProposalView(proposal: proposal, approval: approval)
    }

    static func approvalView(_ db: Database, id: String) throws -> ApprovalView? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT a.*, \(proposalColumns) FROM approvals a JOIN proposals p ON p.id = a.proposal_id WHERE a.id = ?"),
            arguments: [id]
        ).map(approvalView)
    }

    static func approvalView(_ row: Row) throws -> ApprovalView {
        let approval = try approvalRecord(row)
        do {
            return ApprovalView(approval: approval, proposal: try proposalRecord(row))
        } catch var unreadable as UnreadableRecord {
            unreadable.approvalID = approval.id
            throw unreadable
        }
    }

    /// The approval of a row; ``UnreadableRecord`` when a column holds what no approval has.
    static func approvalRecord(_ row: Row) throws -> ApprovalRecord {
        let id: String? = try? row.decode(forColumn: "id")
        do {
            let statusName: String = try row.decode(forColumn: "status")
            guard let status = ApprovalStatus(rawValue: statusName) else { throw RowProblem("its status is not one Countersign knows") }
            return ApprovalRecord(
                id: try row.decode(forColumn: "id"), proposalID: try row.decode(forColumn: "proposal_id"), status: status,
                deadline: Millis.date(try row.decode(forColumn: "deadline")), fallback: try row.decode(forColumn: "fallback"),
                createdAt: Millis.date(try row.decode(forColumn: "created_at")), decidedBy: try row.decode(forColumn: "decided_by"),
                decidedAt: (try row.decode(forColumn: "decided_at") as Int64?).map(Millis.date), comment: try row.decode(forColumn: "comment"),
                requiredApprovals: (try row.decode(forColumn: "required_approvals") as Int?) ?? 1,
                firstApprovedBy: try row.decode(forColumn: "first_approved_by"),
                firstApprovedAt: (try row.decode(forColumn: "first_approved_at") as Int64?).map(Millis.date),
                consumedAt: (try row.decode(forColumn: "consumed_at") as Int64?).map(Millis.date),
                consumedBy: try row.decode(forColumn: "consumed_by"))
        } catch {
            throw UnreadableRecord(.approval, id: id, approvalID: id, problem: RowProblem.describe(error))
        }
    }

    /// The proposal of a row (columns prefixed `p_`); ``UnreadableRecord`` when its stored body
    /// or a column cannot be read (an amount an older version stored as NaN, a hand edit).
    static func proposalRecord(_ row: Row) throws -> ProposalRecord {
        let id: String? = try? row.decode(forColumn: "p_id")
        do {
            let body: String = try row.decode(forColumn: "p_body")
            let proposal = try Proposal.decode(json: Array(body.utf8))
            let reasons = try Reason.decodeList(json: Array((try row.decode(forColumn: "p_reasons") as String).utf8))
            let verdict = Verdict(
                level: Level(rawValue: try row.decode(forColumn: "p_level")) ?? .escalate, riskClass: try row.decode(forColumn: "p_risk_class"),
                reasons: reasons, baseLevel: Level(rawValue: try row.decode(forColumn: "p_base_level")) ?? .escalate,
                policyLevel: (try row.decode(forColumn: "p_policy_level") as String?).flatMap(Level.init(rawValue:)))
            var outcome: OutcomeRecord?
            if let name: String = try row.decode(forColumn: "p_outcome"), let value = Outcome(rawValue: name) {
                outcome = OutcomeRecord(
                    outcome: value, detail: try row.decode(forColumn: "p_outcome_detail"),
                    reportedBy: (try row.decode(forColumn: "p_outcome_by") as String?) ?? "",
                    at: Millis.date((try row.decode(forColumn: "p_outcome_at") as Int64?) ?? 0))
            }
            return ProposalRecord(
                id: try row.decode(forColumn: "p_id"), proposal: proposal, verdict: verdict,
                createdAt: Millis.date(try row.decode(forColumn: "p_created_at")), outcome: outcome)
        } catch {
            throw UnreadableRecord(.proposal, id: id, problem: RowProblem.describe(error))
        }
    }
}
