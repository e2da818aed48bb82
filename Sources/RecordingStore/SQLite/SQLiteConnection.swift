import CSQLite
import Foundation

/// One SQLite connection (`sqlite3*`), closed when the last reference goes.
/// Not thread-safe by itself: `SQLiteDatabase` hands it to one thread at a time (the
/// writer through its serial queue, readers through `SQLiteReaderPool`).
final class SQLiteConnection: SQLConnection {
    private let handle: OpaquePointer
    /// Prepared statements by their SQL text as the store wrote it (`$N` placeholders). Preparing
    /// was a tenth of a status request (bench/README.md); the store's SQL is a small fixed set
    /// (filters only add conditions from a few optional fields), so the cache stays small.
    private var statements: [String: SQLiteStatement] = [:]
    static let statementCacheLimit = 64

    /// Opens the database file at `path`. The writer (`readOnly: false`) creates a missing
    /// file and puts it in WAL mode, so readers (other connections, other processes) do not
    /// block it nor it them, with foreign keys on and a busy timeout so a second process
    /// writing the same file waits instead of failing at once. A reader opens the file read
    /// only (it cannot write by mistake) and is given its own busy timeout.
    init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        var opened: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let code = sqlite3_open_v2(path, &opened, access | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(opened)
            throw DatabaseFailure.failed("cannot open SQLite database at \(path): \(message)")
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        if !readOnly {
            try executeScript("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
        }
    }

    deinit {
        // Statements first: a connection with live statements would only close as a zombie.
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> SQLResult {
        let statement = try cachedStatement(sql)
        // Reset ends the statement's read transaction (a statement left stepping would pin
        // an old snapshot: stale reads, and a WAL that checkpoints cannot shrink); cleared
        // bindings mean a call that binds fewer parameters cannot inherit the last call's.
        defer { statement.reset() }
        try statement.bind(parameters)
        let rows = try statement.rows()
        return SQLResult(rows: rows, changes: Int(sqlite3_changes(handle)))
    }

    func query<Row>(_ sql: String, _ parameters: [SQLValue], decoding decode: (any SQLColumns) throws -> Row) throws -> [Row] {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(parameters)
        return try statement.rows(decode)
    }

    func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            throw Self.failure(handle, code: code, message: message.map { String(cString: $0) })
        }
    }

    /// How many statements are prepared and kept (for tests).
    var cachedStatementCount: Int { statements.count }

    private func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let statement = statements[sql] { return statement }
        // A bound, not an expected case: SQL built from user input would be a bug elsewhere.
        if statements.count >= Self.statementCacheLimit { statements.removeAll() }
        let statement = try SQLiteStatement(handle: handle, sql: Self.sqlitePlaceholders(sql))
        statements[sql] = statement
        return statement
    }

    static func failure(_ handle: OpaquePointer, code: Int32, message: String? = nil) -> DatabaseFailure {
        let text = message ?? String(cString: sqlite3_errmsg(handle))
        switch code {
        case constraintUnique, constraintPrimaryKey:
            // "UNIQUE constraint failed: recordings.room_name"
            return .uniqueViolation(detail: text)
        case _ where code & 0xff == SQLITE_BUSY:
            return .busy("SQLite error \(code): \(text)")
        default:
            return .failed("SQLite error \(code): \(text)")
        }
    }

    /// Store SQL is written with PostgreSQL's `$N` placeholders; SQLite's numbered form is `?N`.
    /// (SQLite also accepts `$N`, but as *named* parameters numbered by first appearance.)
    /// (Store SQL never contains `$` in a literal.) Byte for byte: Foundation's
    /// `replacingOccurrences` (NSString, UTF-16) cost 8% of a status request (bench/).
    static func sqlitePlaceholders(_ sql: String) -> String {
        String(decoding: sql.utf8.map { $0 == UInt8(ascii: "$") ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }
}

// Extended result codes are C macros Swift does not import (sqlite3.h: SQLITE_CONSTRAINT | n << 8).
private let constraintUnique = SQLITE_CONSTRAINT | (8 << 8)
private let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)

/// A prepared statement, finalized when the connection's cache lets it go.
private final class SQLiteStatement {
    private let handle: OpaquePointer
    private let statement: OpaquePointer

    init(handle: OpaquePointer, sql: String) throws {
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &prepared, nil)
        guard code == SQLITE_OK, let prepared else {
            sqlite3_finalize(prepared)
            throw SQLiteConnection.failure(handle, code: code)
        }
        self.handle = handle
        self.statement = prepared
    }

    deinit {
        sqlite3_finalize(statement)
    }

    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    func bind(_ parameters: [SQLValue]) throws {
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32 =
                switch value {
                case .null: sqlite3_bind_null(statement, index)
                case .integer(let number): sqlite3_bind_int64(statement, index, number)
                case .bool(let flag): sqlite3_bind_int64(statement, index, flag ? 1 : 0)
                case .text(let text): sqlite3_bind_text(statement, index, text, -1, csqlite_transient())
                }
            guard code == SQLITE_OK else { throw SQLiteConnection.failure(handle, code: code) }
        }
    }

    func rows() throws -> [SQLRow] {
        try rows { _ in currentRow() }
    }

    /// Steps through the result, handing `decode` each row while SQLite holds it.
    func rows<Row>(_ decode: (any SQLColumns) throws -> Row) throws -> [Row] {
        var rows: [Row] = []
        let columns = SQLiteColumns(statement: statement)
        while true {
            let code = sqlite3_step(statement)
            switch code {
            case SQLITE_ROW: rows.append(try decode(columns))
            case SQLITE_DONE: return rows
            default: throw SQLiteConnection.failure(handle, code: code)
            }
        }
    }

    private func currentRow() -> SQLRow {
        let count = sqlite3_column_count(statement)
        let columns = SQLiteColumns(statement: statement)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(statement, column) {
            case SQLITE_NULL: values.append(.null)
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(statement, column)))
            default: values.append(.text(columns.textValue(column)))
            }
        }
        return SQLRow(values: values)
    }
}

/// The current row of a statement that is stepping: valid until its next step or reset.
/// Typed as `SQLRow` reads them: text is any non-NULL, non-INTEGER value (as SQLite converts
/// it); integers and booleans are INTEGER values.
private struct SQLiteColumns: SQLColumns {
    let statement: OpaquePointer

    func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(statement, Int32(index)) == SQLITE_NULL
    }

    func text(_ index: Int) throws -> String {
        try optionalText(index) ?? { throw mismatch(index, expected: "text") }()
    }

    func optionalText(_ index: Int) throws -> String? {
        let column = Int32(index)
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: throw mismatch(index, expected: "text")
        default: return textValue(column)
        }
    }

    func integer(_ index: Int) throws -> Int64 {
        try optionalInteger(index) ?? { throw mismatch(index, expected: "integer") }()
    }

    func optionalInteger(_ index: Int) throws -> Int64? {
        let column = Int32(index)
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: return sqlite3_column_int64(statement, column)
        default: throw mismatch(index, expected: "integer")
        }
    }

    func bool(_ index: Int) throws -> Bool {
        guard let value = try optionalInteger(index) else { throw mismatch(index, expected: "boolean") }
        return value != 0
    }

    /// The column's UTF-8 bytes with their length from SQLite: no `strlen`, one copy.
    func textValue(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    private func mismatch(_ index: Int, expected: String) -> DatabaseFailure {
        let types = [SQLITE_INTEGER: "integer", SQLITE_FLOAT: "float", SQLITE_TEXT: "text", SQLITE_BLOB: "blob", SQLITE_NULL: "null"]
        let type = types[sqlite3_column_type(statement, Int32(index))] ?? "unknown"
        return .decoding("column \(index) is \(type), expected \(expected)")
    }
}
