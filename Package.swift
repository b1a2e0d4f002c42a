// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "countersign",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "countersign", targets: ["countersign"]),
        .library(name: "CountersignCore", targets: ["CountersignCore"]),
        .library(name: "CountersignConfig", targets: ["CountersignConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Pure: proposal, verdict, policy model, decision engine, detectors. Foundation only.
        .target(name: "CountersignCore"),
        // Policy and server configuration from YAML, with file/line/column errors.
        .target(
            name: "CountersignConfig",
            dependencies: ["CountersignCore", .product(name: "Yams", package: "Yams")]
        ),
        // Offline work on JSON-lines files: evaluate (and later calibrate, replay, report).
        .target(name: "CountersignInsights", dependencies: ["CountersignCore"]),
        // The thin command-line front door.
        .executableTarget(
            name: "countersign",
            dependencies: [
                "CountersignCore", "CountersignConfig", "CountersignInsights",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CountersignCoreTests", dependencies: ["CountersignCore"]),
        .testTarget(name: "CountersignConfigTests", dependencies: ["CountersignConfig"]),
        .testTarget(name: "CountersignCLITests", dependencies: ["countersign"]),
    ],
    swiftLanguageModes: [.v6]
)
