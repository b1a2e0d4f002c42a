import GRDB
import GRDBSQLite

/// A cached statement run through SQLite's C API, for the few statements every proposal runs
/// inside the serial write transaction. GRDB's `execute(arguments:)` boxes each argument into a
/// `DatabaseValue` array and validates it on every call; here values go straight to
/// `sqlite3_bind_*`. Use only on statements nothing else runs (each SQL text has one owner), and
/// only inside the caller's transaction.
struct FastStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    private var index: Int32 = 0

    /// The connection's cached statement for `sql`, reset and with nothing bound.
    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        sqlite3_reset(statement.sqliteStatement)
        sqlite3_clear_bindings(statement.sqliteStatement)
    }

    /// Binds the next parameter.
    mutating func bind(_ value: String?) {
        index += 1
        guard let value else {
            sqlite3_bind_null(handle, index)
            return
        }
        // SQLITE_TRANSIENT: SQLite copies the bytes before this returns.
        _ = value.withCString { sqlite3_bind_text(handle, index, $0, Int32(value.utf8.count), Self.transient) }
    }

    /// Binds the next parameter.
    mutating func bind(_ value: [UInt8]) {
        guard !value.isEmpty else { return bind("") }
        index += 1
        value.withUnsafeBufferPointer { bytes in
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
        }
    }

    /// Binds the next parameter.
    mutating func bind(_ value: Int64?) {
        index += 1
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds the next parameter.
    mutating func bind(_ value: Int) { bind(Int64(value)) }

    /// Binds the next parameter.
    mutating func bind(_ value: Double) {
        index += 1
        sqlite3_bind_double(handle, index, value)
    }

    /// Runs a statement that returns no rows (an insert, an update).
    func execute() throws {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// Runs a query and calls `row` with each result row; columns are read with `text`, `int64`
    /// and `double` inside it.
    func forEachRow(_ row: (Columns) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            switch code {
            case SQLITE_ROW: try row(Columns(handle: handle))
            case SQLITE_DONE: return
            default: throw error(code)
            }
        }
    }

    /// The current row of a running query.
    struct Columns {
        fileprivate let handle: OpaquePointer

        func text(_ column: Int32) -> String? {
            guard let bytes = sqlite3_column_text(handle, column) else { return nil }
            return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
        }

        func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

        func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        let connection = sqlite3_db_handle(handle)
        return DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)), message: String(cString: sqlite3_errmsg(connection)),
            sql: statement.sql)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
