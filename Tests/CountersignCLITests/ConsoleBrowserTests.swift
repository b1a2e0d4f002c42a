import CountersignTestSupport
import Foundation
import Testing

/// The approver console in a real headless Chromium: Tests/Console/console_test.py drives it with
/// Selenium against the built `countersign serve`. `.ci/run` installs Chromium and the venv and sets
/// COUNTERSIGN_TEST_VENV; without it (a bare `swift test` on a laptop) the test is skipped.
@Suite struct ConsoleBrowserTests {
    static let venv = ProcessInfo.processInfo.environment["COUNTERSIGN_TEST_VENV"]

    @Test(.enabled(if: venv != nil, "set COUNTERSIGN_TEST_VENV to a venv with selenium (see .ci/run)"))
    func theConsoleWorksInARealBrowser() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("Tests/Console/console_test.py").path
        let screenshot = NSTemporaryDirectory() + "countersign-console-\(UUID().uuidString).png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.venv! + "/bin/python")
        process.arguments = [script, "--binary", CLIRunner.executable.path, "--screenshot", screenshot]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: CLIRunner.readAll(output.fileHandleForReading.fileDescriptor), as: UTF8.self)
        let status = try process.exitStatus()
        #expect(status == 0, "\(text)")
        #expect(text.contains(" passed, 0 failed"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: screenshot))
    }
}
