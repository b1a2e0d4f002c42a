import Foundation
import PostgresNIO

/// Where a PostgreSQL database is, read from `postgres://user[:password]@host[:port]/database`.
/// The password may instead come from the environment (`PGPASSWORD`), so it never has to be
/// written into a configuration file or a command line. `description` never shows it.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// `sslmode`: `disable` (the default), `prefer`, or `require` (certificate and host verified).
    public var tls: TLSMode

    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// A problem with the URL, explained without repeating the password.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `text`; a URL without a password takes `environment["PGPASSWORD"]`.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let example = "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw Invalid(description: "the PostgreSQL URL must start with postgres:// (\(example))")
        }
        guard let components = URLComponents(string: text) else {
            throw Invalid(description: "the PostgreSQL URL is not a valid URL (\(example))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Invalid(description: "the PostgreSQL URL names no host (\(example))")
        }
        guard let user = components.user, !user.isEmpty else {
            throw Invalid(description: "the PostgreSQL URL names no user (\(example))")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw Invalid(description: "the PostgreSQL URL names no database (\(example))")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw Invalid(description: "the PostgreSQL URL's port must be between 1 and 65535")
        }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode", let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw Invalid(
                    description:
                        "the PostgreSQL URL option \(item.name)=\(item.value ?? "") is not supported (sslmode=disable, prefer or require)")
            }
            tls = mode
        }
        let password = components.password.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGPASSWORD"]
        self.init(
            host: host, port: components.port ?? 5432, user: user.removingPercentEncoding ?? user,
            password: password.map { $0.removingPercentEncoding ?? $0 }, database: database.removingPercentEncoding ?? database, tls: tls)
    }

    /// The TLS setting postgres-nio takes.
    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    /// The TLS setting of the connection pool.
    var clientTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// The URL with the password left out, for logs and messages.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    public var debugDescription: String { description }

    /// `dump` and debuggers see no password.
    public var customMirror: Mirror {
        Mirror(self, children: ["host": host, "port": port, "user": user, "database": database, "tls": tls], displayStyle: .struct)
    }
}
