import CountersignSQLite
import Foundation

enum CountersignSQLiteTestStore {
    static func make() async throws -> SQLiteStore {
        let store = try SQLiteStore(configuration: .init(path: NSTemporaryDirectory() + "countersign-\(UUID().uuidString).db"))
        try await store.migrate()
        return store
    }
}
