// swift-tools-version: 6.1
// Coverage-guided fuzz targets (libFuzzer), in their own package so the main build never sees
// them. Each target is an executable whose only entry point is `LLVMFuzzerTestOneInput`: built
// with `--sanitize fuzzer`, libFuzzer supplies `main`. Build and run them with `Fuzz/run.sh`
// (README.md), which passes the flags that make this work.
import PackageDescription

/// Seeds, regressions and dictionaries live beside each target's source; they are not sources.
let data = ["seeds", "regressions", "dictionary.dict"]

let package = Package(
    name: "countersign-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "countersign", path: "..")],
    targets: [
        // The invariants every target checks, shared with Tests/CountersignCoreTests (symlinked there).
        .target(name: "FuzzSupport", dependencies: [.product(name: "CountersignCore", package: "countersign")], path: "Shared"),
        .executableTarget(
            name: "FuzzJSONReader", dependencies: ["FuzzSupport", .product(name: "CountersignCore", package: "countersign")],
            path: "json-reader", exclude: data),
        .executableTarget(
            name: "FuzzProposalDecoder", dependencies: ["FuzzSupport", .product(name: "CountersignCore", package: "countersign")],
            path: "proposal-decoder", exclude: data),
        .executableTarget(
            name: "FuzzPIIScanner", dependencies: ["FuzzSupport", .product(name: "CountersignCore", package: "countersign")],
            path: "pii-scanner", exclude: data),
        .executableTarget(
            name: "FuzzConfig",
            dependencies: [
                "FuzzSupport", .product(name: "CountersignCore", package: "countersign"),
                .product(name: "CountersignConfig", package: "countersign"),
            ],
            path: "config", exclude: data),
        // The renderers: the HTML escaper, the Slack, email and SMS cards (CountersignChannels) and the
        // console pages (CountersignServer, which brings every module of the project; CountersignChannels
        // and CountersignStore are not products of their own, so they come through it).
        .executableTarget(
            name: "FuzzRenderers",
            dependencies: [
                "FuzzSupport", .product(name: "CountersignCore", package: "countersign"),
                .product(name: "CountersignServer", package: "countersign"),
            ],
            path: "renderers", exclude: data),
    ],
    swiftLanguageModes: [.v6]
)
