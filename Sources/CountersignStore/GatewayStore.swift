import CountersignCore
import Foundation

/// Where the gateway keeps proposals, approvals, outcomes and the audit log. Every method that
/// changes state does so in **one transaction**, appending its audit entry in the same commit,
/// and returns only after the commit is durable. SQLite implements it today; PostgreSQL next.
public protocol GatewayStore: OutboxStore, ChannelStore, QueueStore, SMSCodeStore {
    /// Creates the schema or brings it up to date.
    func migrate() async throws

    /// The rows this store found it cannot read (see ``UnreadableRecord``): the deadline timer
    /// passes over their approvals, and each is logged once.
    var unreadableRecords: UnreadableRecords { get }

    /// In one transaction: if `agent` already sent `idempotencyKey`, returns that proposal
    /// unchanged; otherwise reads the subject's history for `history`, asks `prepare` (pure, quick)
    /// for the records, and inserts the proposal, its approval and their audit entries.
    func propose(
        agent: String, idempotencyKey: String?, history: HistoryQuery?,
        prepare: @escaping @Sendable (SubjectHistory) -> PreparedProposal
    ) async throws -> ProposeResult

    /// A proposal and its approval.
    func proposal(id: String) async throws -> ProposalView?

    /// An approval and its proposal.
    func approval(id: String) async throws -> ApprovalView?

    /// In one transaction: loads the approval, asks `transition` (pure) what to do, and when it
    /// resolves, changes the approval **only if it is still pending** and appends the audit entry.
    func transition(
        approvalID: String, _ transition: @escaping @Sendable (ApprovalView) -> Transition
    ) async throws -> TransitionResult

    /// In one transaction: claims up to `limit` pending approvals whose deadline is at or before
    /// `now`, earliest first (skipping any that another replica is changing right now), and applies
    /// `transition` to each as `transition(approvalID:_:)` would. Returns the results in that order.
    func transitionDue(
        at now: Date, limit: Int, _ transition: @escaping @Sendable (ApprovalView) -> Transition
    ) async throws -> [TransitionResult]

    /// The earliest deadline of a pending approval.
    func nextDeadline() async throws -> Date?

    /// How many approvals are pending.
    func pendingCount() async throws -> Int

    /// Every proposal created at or after `since` with its approval's end and outcome, oldest first,
    /// at most `limit` of them (the oldest). Reads only.
    func productionRows(since: Date, limit: Int) async throws -> [ProductionRow]

    /// Proposals whose approval a human decided (approved, rejected or taken over), oldest decision
    /// first (decision time, then approval id byte by byte), starting after `cursor`. Reads only.
    func decidedProposals(after cursor: DecidedCursor?, limit: Int) async throws -> [DecidedProposal]

    /// Every proposal created at or after `since`, oldest first, in constant memory (the offline
    /// `report`). Page by page by default (`GatewayStore+Reading`); an engine may read it in one go.
    func readEveryProductionRow(since: Date, _ body: (ProductionRow) throws -> Void) async throws

    /// Every decided approval's proposal, oldest decision first, in constant memory (`calibrate`).
    func readEveryDecidedProposal(_ body: (DecidedProposal) throws -> Void) async throws

    /// In one transaction: records the outcome of a proposal (once) and its audit entry.
    func recordOutcome(proposalID: String, _ outcome: OutcomeRecord) async throws -> OutcomeResult

    /// In one transaction: marks the approval consumed by `by` at `at` **only if it is approved and
    /// not yet consumed**, and appends `audit`. Of any number of concurrent calls, exactly one gets
    /// `.consumed`; the others get `.alreadyConsumed` (or `.notApproved`) and change nothing.
    func consume(approvalID: String, by: String, at: Date, audit: AuditEvent) async throws -> ConsumeResult

    /// Audit entries in order, starting after `sequence`.
    func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditEntry]

    /// Credential hashes kept by the store (the generated trial key and token), by role and name.
    func credentials() async throws -> [StoredCredential]

    /// Keeps a credential hash (insert or replace).
    func saveCredential(_ credential: StoredCredential) async throws

    /// Returns when the store answers a trivial query; throws ``StoreUnavailable`` when it cannot
    /// within about `limit` (a health check).
    func checkAvailable(within limit: Duration) async throws
}

extension GatewayStore {
    /// A store in this process (a SQLite file) has no server or connection to lose: it is
    /// available while the process runs, and a failing disk shows as failing writes. So the
    /// health check costs nothing (`/healthz` stays the baseline of the HTTP stack alone).
    public func checkAvailable(within limit: Duration) async throws {}
}

/// What `prepare` hands back for insertion.
public struct PreparedProposal: Sendable {
    public var proposal: ProposalRecord
    public var approval: ApprovalRecord?
    public var audit: [AuditEvent]
    /// Messages to send once the proposal is committed.
    public var outbox: [OutboxMessage]

    public init(proposal: ProposalRecord, approval: ApprovalRecord?, audit: [AuditEvent], outbox: [OutboxMessage] = []) {
        self.proposal = proposal
        self.approval = approval
        self.audit = audit
        self.outbox = outbox
    }
}

/// The result of `propose`.
public enum ProposeResult: Sendable {
    case created(ProposalView)
    /// The agent sent this idempotency key before: the first proposal, unchanged.
    case existing(ProposalView)
}

/// What a transition asks the store to do.
public enum Transition: Sendable {
    /// End the approval: the status, who, when, an optional comment, the audit entry, and the
    /// messages its end sends (committed with it).
    case resolve(status: ApprovalStatus, by: String, at: Date, comment: String?, audit: AuditEvent, outbox: [OutboxMessage])
    /// Record the first of two approvals (four eyes); the approval stays pending.
    case recordFirstApproval(by: String, at: Date, audit: AuditEvent)
    /// Change nothing.
    case refuse(ApprovalStateMachine.Refusal)
}

/// The result of `transition`.
public enum TransitionResult: Sendable {
    case resolved(ApprovalView)
    /// The first of two approvals was recorded.
    case firstApprovalRecorded(ApprovalView)
    case refused(ApprovalStateMachine.Refusal, ApprovalView)
    case notFound
}

/// The result of `recordOutcome`.
public enum OutcomeResult: Sendable {
    case recorded(ProposalView)
    /// An outcome was already recorded; it is kept.
    case alreadyRecorded(ProposalView)
    case notFound
}

/// The result of `consume`.
public enum ConsumeResult: Sendable {
    case consumed(ApprovalView)
    /// It was consumed before (the view says when and by whom); nothing changed.
    case alreadyConsumed(ApprovalView)
    /// It is pending, rejected, taken over or expired; nothing changed.
    case notApproved(ApprovalView)
    case notFound
}

/// A credential's hash as the store keeps it.
public struct StoredCredential: Sendable, Hashable {
    public enum Role: String, Sendable { case agent, approver }
    public var role: Role
    public var name: String
    /// Hex SHA-256 of the secret.
    public var hash: String

    public init(role: Role, name: String, hash: String) {
        self.role = role
        self.name = name
        self.hash = hash
    }
}
