import CSQLite
import Dispatch
import Foundation

/// One SQLite connection (`sqlite3*`), closed when the last reference goes.
/// Not thread-safe by itself: `SQLiteDatabase` only touches it from its serial queue.
final class SQLiteConnection: SQLConnection {
    private let handle: OpaquePointer

    /// Opens (creating if missing) the database file at `path`, in WAL mode so readers in
    /// other processes do not block the writer, with foreign keys on and a busy timeout so a
    /// second process writing the same file waits instead of failing at once.
    init(path: String, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(opened)
            throw DatabaseFailure.failed("cannot open SQLite database at \(path): \(message)")
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        try executeScript("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> SQLResult {
        let statement = try SQLiteStatement(connection: self, handle: handle, sql: Self.sqlitePlaceholders(sql))
        try statement.bind(parameters)
        let rows = try statement.rows()
        return SQLResult(rows: rows, changes: Int(sqlite3_changes(handle)))
    }

    func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            throw failure(code: code, message: message.map { String(cString: $0) })
        }
    }

    func failure(code: Int32, message: String? = nil) -> DatabaseFailure {
        let text = message ?? String(cString: sqlite3_errmsg(handle))
        switch code {
        case constraintUnique, constraintPrimaryKey:
            // "UNIQUE constraint failed: recordings.room_name"
            return .uniqueViolation(detail: text)
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

/// A prepared statement, finalized when it goes out of scope.
private final class SQLiteStatement {
    private let connection: SQLiteConnection
    private let handle: OpaquePointer
    private let statement: OpaquePointer

    init(connection: SQLiteConnection, handle: OpaquePointer, sql: String) throws {
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw connection.failure(code: code) }
        self.connection = connection
        self.handle = handle
        self.statement = prepared
    }

    deinit {
        sqlite3_finalize(statement)
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
            guard code == SQLITE_OK else { throw connection.failure(code: code) }
        }
    }

    func rows() throws -> [SQLRow] {
        var rows: [SQLRow] = []
        while true {
            let code = sqlite3_step(statement)
            switch code {
            case SQLITE_ROW: rows.append(currentRow())
            case SQLITE_DONE: return rows
            default: throw connection.failure(code: code)
            }
        }
    }

    private func currentRow() -> SQLRow {
        let count = sqlite3_column_count(statement)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(statement, column) {
            case SQLITE_NULL: values.append(.null)
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(statement, column)))
            default:
                let text = sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""
                values.append(.text(text))
            }
        }
        return SQLRow(values: values)
    }
}

/// The SQLite side of `SQLDatabase`: one connection behind one serial queue. SQLite
/// allows one writer at a time anyway, and a single connection keeps a reservation's
/// insert and its follow-up read in order. Work runs on the queue's thread, so a slow
/// disk never blocks Swift concurrency's cooperative pool.
final class SQLiteDatabase: SQLDatabase, @unchecked Sendable {
    // @unchecked: `connection` is only touched on `queue`.
    private let connection: SQLiteConnection
    private let queue: DispatchQueue
    private let path: String
    /// The file the connection opened; see `requireSameFile`.
    private let identity: FileIdentity?
    let dialect = SQLDialect.sqlite

    init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DatabaseFailure.failed("cannot create the directory \(directory.path) for the SQLite database: \(error.localizedDescription)")
        }
        connection = try SQLiteConnection(path: path)
        queue = DispatchQueue(label: "recording-store.sqlite")
        self.path = path
        identity = FileIdentity(path: path)
    }

    func withConnection<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    try self.requireSameFile()
                    return try body(self.connection)
                })
            }
        }
    }

    /// SQLite keeps using a file that was deleted or replaced under it (an `rm`, a restore,
    /// a volume remounted): every write would answer "ok" into an unlinked inode and vanish
    /// at the next restart. One `stat` per call (microseconds) turns that into a loud,
    /// retryable `unavailable` (503 `database_unavailable`, `/ready` failing).
    private func requireSameFile() throws {
        guard let identity, FileIdentity(path: path) != identity else { return }
        throw DatabaseFailure.failed(
            "the SQLite database file \(path) was deleted or replaced while the service was running; "
                + "restore it and restart the service (writes since then were refused)")
    }
}

/// Device and inode of a file: what stays the same while the file is the same file.
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
