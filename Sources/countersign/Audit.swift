import ArgumentParser
import CountersignStore
import Foundation

extension Countersign {
    /// `countersign audit …`
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Work with the tamper-evident audit log.", subcommands: [Verify.self])
    }
}

extension Countersign.Audit {
    /// `countersign audit verify [--db PATH | --postgres URL]`
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit chain; names the first broken entry and exits 1 if there is one.")

        @OptionGroup var database: DatabaseOptions

        func validate() throws { try database.requireAtMostOne() }

        func run() async throws {
            let report = try await database.withStore { try await AuditVerifier.verify($0) }
            if let broken = report.firstBreak {
                print("audit chain BROKEN at entry \(broken.sequence): \(broken.problem) (\(report.verified) entries before it verified)")
                throw ExitCode(1)
            }
            print("audit chain intact: \(report.verified) entries verified")
            if report.unreadableCount > 0 {
                // Unchanged (their hashes verify), but their data is not JSON: written by an older
                // version (an amount stored as NaN), not tampered with.
                let listed = report.unreadable.map(String.init).joined(separator: ", ")
                let more = report.unreadableCount > report.unreadable.count ? ", …" : ""
                print(
                    "\(report.unreadableCount) of them unreadable (their hashes verify, but their data is not valid JSON): entries \(listed)\(more)")
            }
        }
    }
}
