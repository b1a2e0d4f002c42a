import ArgumentParser
import CountersignConfig
import CountersignCore
import CountersignLogging
import CountersignServer
import Foundation
import Logging

extension Countersign {
    /// `countersign serve [--config FILE] [--db PATH] [--host H] [--port P]`
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the gateway: HTTP API, deadline timer, audit log.",
            discussion: """
                With no options: SQLite file countersign.db in the working folder, the default policy, \
                127.0.0.1:8080, and a trial agent key and approver token printed at first start. \
                Stops gracefully on SIGTERM or SIGINT.
                """
        )

        @Option(help: "The server configuration (YAML); secrets come from the environment variables it names.")
        var config: String?

        @Option(help: "The SQLite database file (overrides the configuration).")
        var db: String?

        @Option(help: "A PostgreSQL URL (overrides the configuration).")
        var postgres: String?

        @Option(help: "The address to listen on (overrides the configuration).")
        var host: String?

        @Option(help: "The port to listen on (overrides the configuration).")
        var port: Int?

        func validate() throws {
            if db != nil, postgres != nil { throw ValidationError("--db and --postgres name two databases; give one") }
            if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        }

        func run() async throws {
            var configuration = ServerConfiguration.trial
            if let config {
                do {
                    configuration = try ServerConfigurationFile.load(path: config)
                } catch {
                    FileHandle.standardError.write(Data((error.description + "\n").utf8))
                    throw ExitCode(2)
                }
            }
            if let db { configuration.database = .sqlite(path: db) }
            if let postgres { configuration.database = .postgres(url: Secret(postgres)) }
            if let host { configuration.http.host = host }
            if let port { configuration.http.port = port }
            LoggingSystem.bootstrap { label in
                LineLogHandler(label: label, level: ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info)
            }
            do {
                try await ServerRunner.run(configuration: configuration, logger: Logger(label: "countersign")) { line in
                    // Unbuffered, so a supervisor or a test reading the pipe sees it at once.
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
            } catch let error as ServerError {
                FileHandle.standardError.write(Data(("countersign: \(error.description)\n").utf8))
                throw ExitCode(1)
            }
        }
    }
}
