import CountersignCore
import Synchronization

/// A stored row that cannot be read back: a hand edit, a row an older version wrote (an amount
/// stored as NaN), a value of the wrong type in a column. Only that one item fails, with this
/// error; every other read goes on (lists skip it, the deadline timer and the outbox pass over
/// it). The HTTP API answers 409 `unreadable_record` for it.
///
/// Its `description` names the kind and id of the record and a general reason, never the
/// stored text.
public struct UnreadableRecord: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of record could not be read.
    public enum Kind: String, Sendable, Hashable, CustomStringConvertible {
        case proposal
        case approval
        case auditEntry = "audit entry"
        case outboxMessage = "outbox message"

        public var description: String { rawValue }
    }

    public var kind: Kind
    /// The record's id (an audit entry's sequence number), as far as it could be read; `?` when not.
    public var id: String
    /// The approval this record belongs to, when known: the timer leaves it pending and passes over it.
    public var approvalID: String?
    /// What is wrong, in general terms.
    public var problem: String

    public init(_ kind: Kind, id: String?, approvalID: String? = nil, problem: String) {
        self.kind = kind
        self.id = Self.printable(id)
        self.approvalID = approvalID.map { Self.printable($0) }
        self.problem = problem
    }

    public var description: String { "the stored \(kind) \(id) cannot be read: \(problem)" }

    /// An id as it may be shown: at most 64 ASCII letters, digits and `-_.:`, or `?`.
    static func printable(_ id: String?) -> String {
        guard let id, !id.isEmpty, id.utf8.count <= 64,
            id.utf8.allSatisfy(isIDByte)
        else { return "?" }
        return id
    }

    /// Bytes of the ids the stores generate.
    private static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
            true
        default: false
        }
    }
}

/// The records a store found unreadable since it opened, so that the deadline timer passes over
/// them (instead of claiming the same row on every tick) and each is logged once.
public final class UnreadableRecords: Sendable {
    private struct State {
        var approvalIDs: Set<String> = []
        var seen: Set<UnreadableRecord> = []
        var unlogged: [UnreadableRecord] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Remembers `record`; returns it, to be thrown.
    @discardableResult
    public func note(_ record: UnreadableRecord) -> UnreadableRecord {
        state.withLock { state in
            if let approvalID = record.approvalID { state.approvalIDs.insert(approvalID) }
            if state.seen.insert(record).inserted, state.seen.count <= 10_000 { state.unlogged.append(record) }
        }
        return record
    }

    /// The approvals that cannot be read: pending ones stay pending until an operator repairs them.
    public var approvalIDs: Set<String> { state.withLock { $0.approvalIDs } }

    /// The records found since the last call, each returned once (for the log).
    public func takeUnlogged() -> [UnreadableRecord] {
        state.withLock { state in
            defer { state.unlogged = [] }
            return state.unlogged
        }
    }
}

/// Why a row could not be read, for ``UnreadableRecord/problem``: engines throw it for a value
/// no record has (an unknown status) and describe any decoding error with `describe(_:)`.
public struct RowProblem: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }

    /// A general account of `error`: the proposal decoder's own message (which never repeats the
    /// stored text), or that a column holds a value of the wrong type. Engine errors are not
    /// repeated: they may quote the row.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let problem as RowProblem: problem.description
        case let refusal as ProposalError: "its stored body is not a proposal this version accepts (\(refusal.message))"
        case let json as JSONError: "a stored JSON text is invalid (\(json.description))"
        default: "a column holds a value of the wrong type"
        }
    }
}
