import Foundation
import Testing

/// schemathesis (a property-based API tester) against the built server, driven by the committed
/// OpenAPI document: thousands of generated requests, valid and not, as an agent
/// and as an approver. It fails on any 5xx, on a status the document does not list for the
/// operation, and on a response whose content type, headers or body the document does not describe.
/// Needs `COUNTERSIGN_TEST_SCHEMATHESIS`, the schemathesis executable (`.ci/run` installs it in a
/// venv of its own); the seed is fixed so that a run is repeatable, and `SCHEMATHESIS_SEED` picks another.
@Suite struct OpenAPIFuzzTests {
    static let executable: String? = {
        guard let path = ProcessInfo.processInfo.environment["COUNTERSIGN_TEST_SCHEMATHESIS"], !path.isEmpty,
            FileManager.default.isExecutableFile(atPath: path)
        else { return nil }
        return path
    }()

    /// The committed document (the server serves this file; schemathesis skips the route it loaded it from).
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/CountersignServer/Resources/openapi.yaml").path

    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
        "response_schema_conformance",
    ]

    @Test(.enabled(if: executable != nil, "COUNTERSIGN_TEST_SCHEMATHESIS is not set to a schemathesis executable (.ci/run installs one)"))
    func generatedRequestsGetNoServerErrorAndOnlyDocumentedAnswers() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let seed = ProcessInfo.processInfo.environment["SCHEMATHESIS_SEED"] ?? "20261126"
        for (who, token) in [("agent", server.agentKey), ("approver", server.approverToken)] {
            let token = try #require(token, "trial credentials at first start:\n\(server.stdout)")
            let run = try await ServerProcess.Child.run(
                [
                    "run", Self.document, "--url", server.baseURL.absoluteString, "--header", "Authorization: Bearer \(token)",
                    "--checks", Self.checks.joined(separator: ","), "--max-examples", "25", "--seed", seed,
                ],
                environment: ["NO_COLOR": "1"], timeout: .seconds(600),
                executable: URL(fileURLWithPath: try #require(Self.executable)))
            #expect(run.status == 0, "schemathesis as the \(who) (seed \(seed)):\n\(run.stdout.suffix(6000))\n\(run.stderr.suffix(2000))")
        }
        #expect(server.isRunning, "the server survived the run")
    }
}
