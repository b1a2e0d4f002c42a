import CountersignTestSupport
import Foundation
import Testing

/// The approver console in a real headless Chromium: Tests/Console/console_test.py drives it with
/// Selenium against the built `countersign serve`. `.ci/run` installs Chromium and the venv and sets
/// COUNTERSIGN_TEST_VENV; without it (a bare `swift test` on a laptop) the test is skipped.
@Suite struct ConsoleBrowserTests {
    static let venv = ProcessInfo.processInfo.environment["COUNTERSIGN_TEST_VENV"]

    @Test(.enabled(if: venv != nil, "set COUNTERSIGN_TEST_VENV to a venv with selenium (see .ci/run)"))
    func theConsoleWorksInARealBrowser() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("Tests/Console/console_test.py").path
        let screenshot = NSTemporaryDirectory() + "countersign-console-\(UUID().uuidString).png"
        let run = try await ChildProcess.run(
            Self.venv! + "/bin/python", [script, "--binary", CLIRunner.executable.path, "--screenshot", screenshot], timeout: 600)
        let text = run.stdout + run.stderr
        let status = run.status
        #expect(status == 0, "\(text)")
        #expect(text.contains(" passed, 0 failed"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: screenshot))
    }
}
