import Foundation
import Testing

/// A database that cannot be opened is named, with what to do, by every command that opens one
/// (not SQLite's bare "unable to open database file").
@Suite struct StartupErrorTests {
    @Test(arguments: [
        (["serve", "--port", "0", "--db"], "missing/countersign.db", "does not exist"),
        (["serve", "--port", "0", "--db"], "folder", "is a folder"),
        (["audit", "verify", "--db"], "folder", "is a folder"),
        (["report", "--db"], "folder", "is a folder"),
        (["calibrate", "--db"], "folder", "is a folder"),
    ])
    func anUnopenableSQLiteFileIsNamedWithWhatToDo(arguments: [String], path: String, hint: String) async throws {
        let directory = NSTemporaryDirectory() + "countersign-open-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/folder", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/" + path
        let result = try await ServerProcess.Child.run(arguments + [database], timeout: .seconds(60))
        #expect(result.status != nil && result.status != 0, "\(result)")
        #expect(result.stderr.contains("cannot open the SQLite database \(database)"), "\(result.stderr)")
        #expect(result.stderr.contains(hint), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }
}
