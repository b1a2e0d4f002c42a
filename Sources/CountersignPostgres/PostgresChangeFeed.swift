import CountersignStore
import Foundation
import Logging
import PostgresNIO

/// Other replicas' changes, from one dedicated `LISTEN` connection (outside the pool). PostgreSQL
/// delivers a `NOTIFY` only after its transaction commits. When the connection drops, the feed
/// reconnects, listens again and reports `.resubscribed`, since notifications sent meanwhile are lost.
extension PostgresStore: ApprovalChangeFeed {
    /// One connection of its own, opened and closed: a wrong password or database name fails here
    /// at once with PostgreSQL's own message, where the pool would keep retrying.
    public func checkConnection() async throws {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: try listenerConfiguration(), id: 0, logger: logger)
        try await connection.close()
    }

    func listenerConfiguration() throws -> PostgresConnection.Configuration {
        let url = configuration.url
        var connectionConfiguration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: try url.connectionTLS())
        connectionConfiguration.options.additionalStartupParameters = configuration.connectionOptions()
        return connectionConfiguration
    }

    public func run(_ handle: @escaping @Sendable (ApprovalChange) async -> Void) async throws {
        let connectionConfiguration = try listenerConfiguration()
        let channel = configuration.channel
        let ownPrefix = origin + " "
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: connectionConfiguration, id: 0, logger: logger)
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: channel) { notifications in
                    failures = 0
                    await handle(.resubscribed)
                    for try await notification in notifications {
                        let payload = notification.payload
                        guard !payload.hasPrefix(ownPrefix), let change = Self.change(payload) else { continue }
                        await handle(change)
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures == 1 || failures % 60 == 0 {
                    logger.warning("the change feed lost its connection; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
            // Quick first retries, then at most one a second.
            try? await Task.sleep(for: .milliseconds(min(1000, 50 * failures)))
        }
    }

    /// The payload of a notification: `<origin> <approval id> [<deadline in milliseconds>]`.
    static func payload(origin: String, approvalID: String, deadline: Date?) -> String {
        origin + " " + approvalID + (deadline.map { " \(Millis.from($0))" } ?? "")
    }

    static func change(_ payload: String) -> ApprovalChange? {
        let parts = payload.split(separator: " ")
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let deadline = parts.count == 3 ? Int64(parts[2]).map(Millis.date) : nil
        return .changed(approvalID: String(parts[1]), deadline: deadline)
    }
}
