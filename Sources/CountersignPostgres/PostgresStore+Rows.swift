import CountersignCore
import CountersignStore
import Foundation
import Logging
import PostgresNIO

/// Statements run quietly: the store logs what happened, not each query (queries carry no secret,
/// but payloads would flood the log).
let quietLogger = Logger(label: "countersign.postgres.query", factory: { _ in SwiftLogNoOpLogHandler() })

extension PostgresConnection {
    /// All rows of a query.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await self.query(query, logger: quietLogger).collect()
    }

    /// Runs a statement, discarding any rows.
    func run(_ query: PostgresQuery) async throws {
        _ = try await self.query(query, logger: quietLogger).collect()
    }
}

/// Reading and writing rows. Every helper runs inside the caller's transaction.
extension PostgresStore {
    static let proposalColumns = """
        p.id AS p_id, p.body AS p_body, p.level AS p_level, p.base_level AS p_base_level, p.risk_class AS p_risk_class, \
        p.reasons AS p_reasons, p.created_at AS p_created_at, p.outcome AS p_outcome, p.outcome_detail AS p_outcome_detail, \
        p.outcome_by AS p_outcome_by, p.outcome_at AS p_outcome_at, p.policy_level AS p_policy_level
        """

    /// Inserts a proposal; `false` when this agent's idempotency key is already taken.
    static func insert(_ connection: PostgresConnection, _ record: ProposalRecord) async throws -> Bool {
        let proposal = record.proposal
        let amount = proposal.amount.map { "\($0)" }
        let reasons = String(decoding: record.verdict.reasonsJSON, as: UTF8.self)
        let body = String(decoding: proposal.jsonBytes, as: UTF8.self)
        let inserted = try await connection.rows(
            """
            INSERT INTO proposals (id, agent, idempotency_key, operation, risk_class, subject, confidence, amount, level,
                base_level, reasons, body, created_at, policy_level)
            VALUES (\(record.id), \(proposal.agent), \(proposal.idempotencyKey), \(proposal.operation), \(record.verdict.riskClass),
                \(proposal.subject), \(proposal.confidence), \(amount), \(record.verdict.level.rawValue),
                \(record.verdict.baseLevel.rawValue), \(reasons), \(body), \(Millis.from(record.createdAt)),
                \(record.verdict.policyLevel?.rawValue))
            ON CONFLICT (agent, idempotency_key) DO NOTHING RETURNING id
            """)
        return inserted.count == 1
    }

    /// Inserts a proposal and its approval in one statement; `false` (and nothing inserted) when
    /// this agent's idempotency key is already taken.
    static func insert(_ connection: PostgresConnection, _ record: ProposalRecord, _ approval: ApprovalRecord) async throws -> Bool {
        let proposal = record.proposal
        let amount = proposal.amount.map { "\($0)" }
        let reasons = String(decoding: record.verdict.reasonsJSON, as: UTF8.self)
        let body = String(decoding: proposal.jsonBytes, as: UTF8.self)
        let inserted = try await connection.rows(
            """
            WITH p AS (
                INSERT INTO proposals (id, agent, idempotency_key, operation, risk_class, subject, confidence, amount, level,
                    base_level, reasons, body, created_at, policy_level)
                VALUES (\(record.id), \(proposal.agent), \(proposal.idempotencyKey), \(proposal.operation), \(record.verdict.riskClass),
                    \(proposal.subject), \(proposal.confidence), \(amount), \(record.verdict.level.rawValue),
                    \(record.verdict.baseLevel.rawValue), \(reasons), \(body), \(Millis.from(record.createdAt)),
                    \(record.verdict.policyLevel?.rawValue))
                ON CONFLICT (agent, idempotency_key) DO NOTHING RETURNING id
            )
            INSERT INTO approvals (id, proposal_id, agent, subject, status, deadline, fallback, created_at, required_approvals)
            SELECT \(approval.id), p.id, \(proposal.agent), \(proposal.subject), \(approval.status.rawValue),
                \(Millis.from(approval.deadline)), \(approval.fallback), \(Millis.from(approval.createdAt)), \(approval.requiredApprovals)
            FROM p RETURNING id
            """)
        return inserted.count == 1
    }

    /// An entry with its data exactly as stored (what the hash covers).
    static func auditEntry(_ row: PostgresRow) throws -> AuditEntry {
        do {
            let (sequence, at, kind, proposalID, approvalID, actor, data, previousHash, hash) = try row.decode(
                (Int64, Int64, String, String, String?, String, String, String, String).self)
            return AuditEntry(
                sequence: sequence, at: Millis.date(at), kind: kind, proposalID: proposalID, approvalID: approvalID, actor: actor,
                storedData: Array(data.utf8), previousHash: previousHash, hash: hash)
        } catch {
            let sequence = (try? row.makeRandomAccess()[0].decode(Int64.self)).map(String.init)
            throw UnreadableRecord(.auditEntry, id: sequence, problem: RowProblem.describe(error))
        }
    }

    /// In one round trip: the proposal this agent already sent with `idempotencyKey` (if any), and
    /// what the stateful rules need to know of the subject's history (`nil`: no rule asks).
    static func proposalContext(
        _ connection: PostgresConnection, agent: String, idempotencyKey: String?, history query: HistoryQuery?
    ) async throws -> (existingID: String?, history: SubjectHistory) {
        let subject = query?.subject
        let recentLimit = query?.recentLimit ?? 0
        let recentSince = query.map { Millis.from($0.recentSince) } ?? 0
        let approvalsSince = query?.approvalsSince.map(Millis.from)
        let decisionLimit = query?.decisionLimit ?? 0
        let row = try await connection.rows(
            """
            SELECT
                (SELECT id FROM proposals WHERE agent = \(agent) AND idempotency_key = \(idempotencyKey)),
                ARRAY(SELECT created_at FROM proposals WHERE subject = \(subject) AND created_at >= \(recentSince)
                    ORDER BY created_at DESC LIMIT \(recentLimit)),
                ARRAY(SELECT confidence FROM proposals WHERE subject = \(subject) AND created_at >= \(recentSince)
                    ORDER BY created_at DESC LIMIT \(recentLimit)),
                CASE WHEN \(approvalsSince)::bigint IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM proposals
                    WHERE subject = \(subject) AND created_at >= \(approvalsSince) AND base_level = 'approve') END,
                ARRAY(SELECT status FROM approvals WHERE agent = \(agent) AND subject = \(subject)
                    AND status IN ('approved', 'rejected', 'taken_over') ORDER BY decided_at DESC LIMIT \(decisionLimit))
            """
        ).first
        guard let row else { throw PostgresStoreError("the proposal context query returned no row") }
        let (existingID, recentAt, recentConfidence, approvalCount, decisions) = try row.decode(
            (String?, [Int64], [Double], Int64, [String]).self)
        var history = SubjectHistory()
        history.recentProposals = zip(recentAt, recentConfidence).map { PastProposal(at: Millis.date($0), confidence: $1) }
        history.approvalCount = Int(approvalCount)
        history.recentDecisions = decisions.compactMap(PastDecision.init(rawValue:))
        return (existingID, history)
    }

    static func proposalView(_ connection: PostgresConnection, id: String) async throws -> ProposalView? {
        guard
            let row = try await connection.rows("SELECT \(unescaped: proposalColumns) FROM proposals p WHERE p.id = \(id)").first
        else { return nil }
        let proposal = try proposalRecord(row.makeRandomAccess())
        let approval = try await connection.rows("SELECT * FROM approvals WHERE proposal_id = \(id)").first.map {
            try approvalRecord($0.makeRandomAccess())
        }
        return ProposalView(proposal: proposal, approval: approval)
    }

    /// An approval with its proposal; `lock` keeps the approval's row locked until commit.
    static func approvalView(_ connection: PostgresConnection, id: String, lock: Bool) async throws -> ApprovalView? {
        try await connection.rows(
            """
            SELECT a.*, \(unescaped: proposalColumns) FROM approvals a JOIN proposals p ON p.id = a.proposal_id WHERE a.id = \(id)
            \(unescaped: lock ? "FOR UPDATE OF a" : "")
            """
        ).first.map(approvalView)
    }

    static func approvalView(_ row: PostgresRow) throws -> ApprovalView {
        let cells = row.makeRandomAccess()
        let approval = try approvalRecord(cells)
        do {
            return ApprovalView(approval: approval, proposal: try proposalRecord(cells))
        } catch var unreadable as UnreadableRecord {
            unreadable.approvalID = approval.id
            throw unreadable
        }
    }

    /// The approval of a row; ``UnreadableRecord`` when a column holds what no approval has.
    static func approvalRecord(_ row: PostgresRandomAccessRow) throws -> ApprovalRecord {
        let id = try? row["id"].decode(String.self)
        do {
            guard let status = ApprovalStatus(rawValue: try row["status"].decode(String.self)) else {
                throw RowProblem("its status is not one Countersign knows")
            }
            return ApprovalRecord(
                id: try row["id"].decode(String.self), proposalID: try row["proposal_id"].decode(String.self), status: status,
                deadline: Millis.date(try row["deadline"].decode(Int64.self)), fallback: try row["fallback"].decode(String.self),
                createdAt: Millis.date(try row["created_at"].decode(Int64.self)), decidedBy: try row["decided_by"].decode(String?.self),
                decidedAt: try row["decided_at"].decode(Int64?.self).map(Millis.date), comment: try row["comment"].decode(String?.self),
                requiredApprovals: try row["required_approvals"].decode(Int.self),
                firstApprovedBy: try row["first_approved_by"].decode(String?.self),
                firstApprovedAt: try row["first_approved_at"].decode(Int64?.self).map(Millis.date),
                consumedAt: try row["consumed_at"].decode(Int64?.self).map(Millis.date), consumedBy: try row["consumed_by"].decode(String?.self))
        } catch {
            throw UnreadableRecord(.approval, id: id, approvalID: id, problem: RowProblem.describe(error))
        }
    }

    /// The proposal of a row (columns prefixed `p_`); ``UnreadableRecord`` when its stored body
    /// or a column cannot be read (an amount an older version stored as NaN, a hand edit).
    static func proposalRecord(_ row: PostgresRandomAccessRow) throws -> ProposalRecord {
        let id = try? row["p_id"].decode(String.self)
        do {
            let body = try row["p_body"].decode(String.self)
            let proposal = try Proposal.decode(json: Array(body.utf8))
            let reasons = try Reason.decodeList(json: Array(try row["p_reasons"].decode(String.self).utf8))
            let verdict = Verdict(
                level: Level(rawValue: try row["p_level"].decode(String.self)) ?? .escalate, riskClass: try row["p_risk_class"].decode(String.self),
                reasons: reasons, baseLevel: Level(rawValue: try row["p_base_level"].decode(String.self)) ?? .escalate,
                policyLevel: try row["p_policy_level"].decode(String?.self).flatMap(Level.init(rawValue:)))
            var outcome: OutcomeRecord?
            if let name = try row["p_outcome"].decode(String?.self), let value = Outcome(rawValue: name) {
                outcome = OutcomeRecord(
                    outcome: value, detail: try row["p_outcome_detail"].decode(String?.self),
                    reportedBy: try row["p_outcome_by"].decode(String?.self) ?? "",
                    at: Millis.date(try row["p_outcome_at"].decode(Int64?.self) ?? 0))
            }
            return ProposalRecord(
                id: try row["p_id"].decode(String.self), proposal: proposal, verdict: verdict,
                createdAt: Millis.date(try row["p_created_at"].decode(Int64.self)), outcome: outcome)
        } catch {
            throw UnreadableRecord(.proposal, id: id, problem: RowProblem.describe(error))
        }
    }
}
