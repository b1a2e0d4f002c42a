import CountersignPostgres
import Testing

/// `database: {postgres: URL}` and `--postgres URL`: what is accepted, and what is refused and why.
@Suite struct PostgresURLTests {
    @Test(arguments: [
        ("postgres://gw:s3cret@db.internal:6432/countersign", "db.internal", 6432, "gw", "s3cret", "countersign"),
        ("postgresql://gw@10.0.0.5/approvals", "10.0.0.5", 5432, "gw", "from-env", "approvals"),
        ("postgres://gw:p%40ss@localhost/cs?sslmode=disable", "localhost", 5432, "gw", "p@ss", "cs"),
    ])
    func acceptedURLs(text: String, host: String, port: Int, user: String, password: String, database: String) throws {
        let url = try PostgresURL(parsing: text, environment: ["PGPASSWORD": "from-env"])
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.user == user)
        #expect(url.password == password)
        #expect(url.database == database)
        #expect(!url.description.contains(password))
    }

    @Test(arguments: [
        ("mysql://gw@db/cs", "must start with postgres://"),
        ("postgres://gw@/cs", "names no host"),
        ("postgres://db.internal/cs", "names no user"),
        ("postgres://gw@db.internal", "names no database"),
        ("postgres://gw@db.internal:70000/cs", "port"),
        ("postgres://gw@db.internal/cs?sslmode=allow", "sslmode=allow is not supported"),
        ("postgres://gw@db.internal/cs?application_name=x", "application_name=x is not supported"),
    ])
    func refusedURLs(text: String, reason: String) {
        let error = #expect(throws: PostgresURL.Invalid.self) { try PostgresURL(parsing: text, environment: [:]) }
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
    }

    @Test func thePasswordIsNeverShown() throws {
        let url = try PostgresURL(parsing: "postgres://gw:hunter2@db/cs", environment: [:])
        #expect(url.description == "postgres://gw@db:5432/cs")
        #expect(!"\(url)".contains("hunter2"))
    }
}
