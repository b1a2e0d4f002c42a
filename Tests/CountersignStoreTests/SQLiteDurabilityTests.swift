import Foundation
import GRDB
import GRDBSQLite
import Testing

@testable import CountersignSQLite

/// An acknowledged write must be on disk: the writer connection syncs the WAL at every commit.
@Suite struct SQLiteDurabilityTests {
    /// GRDB's pool sets `synchronous = NORMAL` on its writer after the configuration's own
    /// `prepareDatabase` has run; the store must end up with FULL anyway, on a new file and when it
    /// opens an existing one.
    @Test func theWriterSyncsEveryCommit() async throws {
        let path = NSTemporaryDirectory() + "countersign-durability-\(UUID().uuidString).db"
        for opening in ["new file", "existing file"] {
            let store = try SQLiteStore(configuration: .init(path: path))
            try await store.migrate()
            let (synchronous, journal) = try await store.pool.writeWithoutTransaction { db in
                (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try String.fetchOne(db, sql: "PRAGMA journal_mode"))
            }
            #expect(synchronous == 2, "synchronous on the writer of a \(opening) (2 is FULL)")
            #expect(journal == "wal", "journal mode of a \(opening)")
        }
    }

    /// Evaluating the trait sets the process-wide switch before this test process opens SQLite.
    @Test(.enabled(if: SQLiteStore.memoryStatisticsOff, "SQLite was initialized before the store could configure it"))
    func sqliteKeepsNoMemoryStatistics() async throws {
        let store = try SQLiteStore(configuration: .init(path: NSTemporaryDirectory() + "countersign-memstat-\(UUID().uuidString).db"))
        try await store.migrate()
        try await store.pool.write { db in
            try db.execute(sql: "CREATE TABLE filler (text TEXT)")
            for index in 0..<100 { try db.execute(sql: "INSERT INTO filler VALUES (?)", arguments: [String(repeating: "x", count: index * 10)]) }
        }
        // With the statistics on, this counts every byte SQLite holds (the page caches alone are
        // hundreds of kilobytes); off, nothing is counted.
        #expect(sqlite3_memory_used() == 0)
    }
}
