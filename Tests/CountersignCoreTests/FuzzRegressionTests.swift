import Foundation
import Testing

/// Replays every committed seed and regression of the fuzz targets (`Fuzz/TARGET/seeds`,
/// `Fuzz/TARGET/regressions`) through the invariants the targets check, so that CI keeps what
/// fuzzing found. The invariants are the targets' own: `FuzzInvariants.swift` beside this file is
/// a link to `Fuzz/Shared/CoreInvariants.swift`. Targets that need more than CountersignCore
/// (config; the Slack, email, SMS and console parts of renderers) replay here through their Core
/// part only; `Fuzz/run.sh replay` replays them whole.
///
/// A regression named `known-INVARIANT[,INVARIANT…]--what` reproduces a defect not fixed yet: it
/// is expected to break those invariants (a known issue) and no other, and this test fails once
/// it no longer does, so the fix renames it (drops `known-…--`).
@Suite struct FuzzRegressionTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// Each target folder, the invariants its inputs replay through here, and the prefix of the
    /// invariant names those can break.
    static let targets: [(name: String, prefixes: [String], check: @Sendable ([UInt8]) -> [InvariantViolation])] = [
        ("json-reader", ["json."], CoreInvariants.jsonReader),
        ("proposal-decoder", ["proposal."], CoreInvariants.proposalDecoder),
        ("pii-scanner", ["pii.", "phrase."], CoreInvariants.piiScanner),
        // Every text field through the HTML escaper.
        (
            "renderers", ["html.raw-special", "html.bare-ampersand", "html.not-reversible"],
            { bytes in FuzzFields(bytes).fields.flatMap(CoreInvariants.htmlEscaper) }
        ),
    ]

    /// One committed input.
    struct Input: Sendable, CustomTestStringConvertible {
        var target: String
        var url: URL
        /// The invariants a `known-` regression is expected to break.
        var knownInvariants: [String] {
            let name = url.lastPathComponent
            guard name.hasPrefix("known-"), let end = name.range(of: "--") else { return [] }
            return name[name.index(name.startIndex, offsetBy: 6)..<end.lowerBound].split(separator: ",").map(String.init)
        }
        var testDescription: String { "\(target)/\(url.deletingLastPathComponent().lastPathComponent)/\(url.lastPathComponent)" }
    }

    static func inputs(_ target: String) -> [Input] {
        ["seeds", "regressions"].flatMap { folder in
            let directory = fuzz.appendingPathComponent(target).appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { Input(target: target, url: directory.appendingPathComponent($0)) }
        }
    }

    static var allInputs: [Input] { targets.flatMap { inputs($0.name) } }

    @Test("every target has committed seeds", arguments: targets.map(\.name) + ["config"])
    func seedsExist(_ target: String) {
        #expect(!Self.inputs(target).filter { $0.url.deletingLastPathComponent().lastPathComponent == "seeds" }.isEmpty)
    }

    @Test("a committed input keeps the fuzz target's invariants", arguments: allInputs)
    func replays(_ input: Input) throws {
        let target = try #require(Self.targets.first { $0.name == input.target })
        let bytes = try [UInt8](Data(contentsOf: input.url))
        let violations = target.check(bytes)
        let known = input.knownInvariants
        #expect(violations.filter { !known.contains($0.invariant) }.isEmpty, "\(violations)")
        for invariant in known where target.prefixes.contains(where: invariant.hasPrefix) {
            withKnownIssue("\(invariant) is not fixed yet") {
                #expect(!violations.contains { $0.invariant == invariant }, "\(invariant) still breaks")
            }
        }
    }
}
