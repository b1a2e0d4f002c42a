// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "countersign",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "countersign", targets: ["countersign"]),
        .library(name: "CountersignCore", targets: ["CountersignCore"]),
        .library(name: "CountersignConfig", targets: ["CountersignConfig"]),
        .library(name: "CountersignGateway", targets: ["CountersignGateway"]),
        .library(name: "CountersignServer", targets: ["CountersignServer"]),
        .library(name: "CountersignClient", targets: ["CountersignClient"]),
        .library(name: "CountersignMCP", targets: ["CountersignMCP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure: proposal, verdict, policy model, decision engine, detectors, approval state machine. Foundation only.
        .target(name: "CountersignCore"),
        // Policy and server configuration from YAML, with file/line/column errors.
        .target(
            name: "CountersignConfig",
            dependencies: ["CountersignCore", .product(name: "Yams", package: "Yams")]
        ),
        // The storage protocol, its records, and the hash-chained audit log every engine shares.
        .target(
            name: "CountersignStore",
            dependencies: ["CountersignCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The store on a SQLite file (GRDB): WAL, synchronous=FULL, group commit.
        .target(
            name: "CountersignSQLite",
            dependencies: [
                "CountersignStore", "CSQLiteTuning", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // SQLite's process-wide settings, which only C can make (sqlite3_config is variadic).
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The store on PostgreSQL (postgres-nio): several gateway replicas on one database.
        .target(
            name: "CountersignPostgres",
            dependencies: [
                "CountersignStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The application layer: one door per use case (propose, decide, expire, wait, outcome),
        // waiters woken on commit, and the deadline timer.
        .target(
            name: "CountersignGateway",
            dependencies: [
                "CountersignCore", "CountersignStore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Delivery channels for the outbox: signed webhooks to agents (Slack, email, SMS next).
        .target(
            name: "CountersignChannels",
            dependencies: [
                "CountersignGateway", "CountersignStore", "CountersignCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The HTTP server: API controllers, auth, metrics, assembled as a ServiceLifecycle group.
        .target(
            name: "CountersignServer",
            dependencies: [
                "CountersignGateway", "CountersignConfig", "CountersignSQLite", "CountersignChannels", "CountersignInsights", "CountersignPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.yaml")]
        ),
        // Offline work on JSON-lines streams: evaluate (and later calibrate, replay, report).
        .target(name: "CountersignInsights", dependencies: ["CountersignCore", "CountersignStore"]),
        // The agent side: a Swift client of the HTTP API (URLSession only), with idempotent retries and long polls.
        .target(name: "CountersignClient", dependencies: ["CountersignCore"]),
        // The MCP gating proxy: an MCP server on stdio in front of a spawned upstream MCP server.
        .target(
            name: "CountersignMCP",
            dependencies: [
                "CountersignClient", "CountersignCore",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Log lines on standard error for the commands that run long (serve, mcp-proxy).
        .target(name: "CountersignLogging", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // The thin command-line front door.
        .executableTarget(
            name: "countersign",
            dependencies: [
                "CountersignCore", "CountersignConfig", "CountersignInsights", "CountersignServer", "CountersignSQLite", "CountersignMCP",
                "CountersignPostgres", "CountersignStore", "CountersignLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers shared by the test targets: child processes, blocking work, the test stores and clock.
        .target(
            name: "CountersignTestSupport",
            dependencies: [
                "CountersignStore", "CountersignSQLite", "CountersignPostgres", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/Support"
        ),
        .testTarget(name: "CountersignCoreTests", dependencies: ["CountersignCore"]),
        .testTarget(name: "CountersignConfigTests", dependencies: ["CountersignConfig"]),
        .testTarget(
            name: "CountersignStoreTests",
            dependencies: [
                "CountersignSQLite", "CountersignGateway", "CountersignInsights", "CountersignPostgres", "CSQLiteTuning", "CountersignTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "CountersignServerTests",
            dependencies: [
                "CountersignServer", "CountersignTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "CountersignCLITests",
            dependencies: [
                "countersign", "CountersignSQLite", "CountersignPostgres", "CountersignClient", "CountersignTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "CountersignInsightsTests", dependencies: ["CountersignInsights", "CountersignConfig"]),
        .testTarget(name: "CountersignLoggingTests", dependencies: ["CountersignLogging"]),
    ],
    swiftLanguageModes: [.v6]
)
