import Foundation

/// What another process sharing the store changed, as far as this process's waiters, live views
/// and deadline timer care. A store shared by several gateway replicas offers a feed; a store only
/// one process uses (SQLite) has none, because every change it sees was made in-process.
public enum ApprovalChange: Sendable, Hashable {
    /// An approval was created, decided, expired, or got its first of two approvals elsewhere;
    /// `deadline` is its deadline while it is still pending, `nil` once it has ended.
    case changed(approvalID: String, deadline: Date?)
    /// The feed (re)connected: changes made while it was away were lost, so re-check everything
    /// waited on.
    case resubscribed
}

/// A source of other processes' changes, delivered after they commit.
public protocol ApprovalChangeFeed: Sendable {
    /// Delivers changes to `handle` until cancelled, reconnecting on its own after failures (each
    /// reconnection delivers `.resubscribed`). Changes this process made itself are not delivered.
    func run(_ handle: @escaping @Sendable (ApprovalChange) async -> Void) async throws
}
