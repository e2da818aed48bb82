/// A value crossing into or out of a database driver. Both drivers bind these as
/// parameters (never spliced into SQL text) and return rows made of them.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case bool(Bool)

    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
    init(_ value: Int?) { self = value.map { SQLValue.integer(Int64($0)) } ?? .null }
}

/// One result row's columns, read by position. Drivers read them straight from their own
/// buffers (`SQLConnection.query(_:_:decoding:)`): a list page of 50 rows was 1150
/// `SQLValue`s and 50 arrays made only to be taken apart again (bench/README.md).
protocol SQLColumns {
    func isNull(_ index: Int) -> Bool
    func text(_ index: Int) throws -> String
    func integer(_ index: Int) throws -> Int64
    /// SQLite has no boolean type (0/1 integers); PostgreSQL has one.
    func bool(_ index: Int) throws -> Bool
    /// Nil for NULL (a driver may look at the column's type once instead of twice).
    func optionalText(_ index: Int) throws -> String?
    func optionalInteger(_ index: Int) throws -> Int64?
}

extension SQLColumns {
    func optionalText(_ index: Int) throws -> String? {
        isNull(index) ? nil : try text(index)
    }

    func optionalInteger(_ index: Int) throws -> Int64? {
        isNull(index) ? nil : try integer(index)
    }
}

/// One result row, materialized (what `execute` returns).
struct SQLRow: Sendable, SQLColumns {
    var values: [SQLValue]

    func isNull(_ index: Int) -> Bool {
        if case .null = values[index] { return true }
        return false
    }

    func text(_ index: Int) throws -> String {
        guard case .text(let value) = values[index] else { throw DatabaseFailure.decoding("column \(index) is \(values[index]), expected text") }
        return value
    }

    func integer(_ index: Int) throws -> Int64 {
        guard case .integer(let value) = values[index] else { throw DatabaseFailure.decoding("column \(index) is \(values[index]), expected integer") }
        return value
    }

    func bool(_ index: Int) throws -> Bool {
        switch values[index] {
        case .bool(let value): value
        case .integer(let value): value != 0
        default: throw DatabaseFailure.decoding("column \(index) is \(values[index]), expected boolean")
        }
    }
}

/// What a statement returned: its rows, and how many rows it changed.
struct SQLResult: Sendable {
    var rows: [SQLRow]
    var changes: Int
}

/// A driver's failure, classified just enough for the store to answer the protocol's
/// typed errors. Messages never contain a password (drivers redact connection strings).
enum DatabaseFailure: Error, Sendable, CustomStringConvertible {
    /// A UNIQUE constraint or index refused the row. `detail` names it (PostgreSQL: the
    /// constraint name; SQLite: "table.column"), which is how the store tells the
    /// one-active-recording-per-room index from the egress id one.
    case uniqueViolation(detail: String)
    /// The connection is gone (server restarted, network cut). A read is worth one more try
    /// on a fresh connection; a write is not (it may have committed).
    case connectionLost(String)
    /// SQLite: the file is locked by another connection (`SQLITE_BUSY`) past the busy timeout.
    case busy(String)
    case failed(String)
    case decoding(String)

    var description: String {
        switch self {
        case .uniqueViolation(let detail): "unique constraint violated: \(detail)"
        case .connectionLost(let message): "connection lost: \(message)"
        case .busy(let message), .failed(let message): message
        case .decoding(let message): "unexpected value from the database: \(message)"
        }
    }
}

/// One open connection, used from one thread at a time: everything a store does in a
/// single round of work (a statement, or a statement and its follow-up read) runs
/// synchronously against it, on a thread that is not one of Swift concurrency's.
protocol SQLConnection: AnyObject {
    /// Runs one statement. `sql` uses PostgreSQL's `$1, $2...` placeholders; the
    /// SQLite driver rewrites them to its `?1, ?2...`.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> SQLResult
    /// Runs one statement and hands each result row to `decode` while the driver still holds
    /// it, so values are copied once, into what `decode` makes (the hot reads: status, list).
    func query<Row>(_ sql: String, _ parameters: [SQLValue], decoding decode: (any SQLColumns) throws -> Row) throws -> [Row]
    /// Runs several `;`-separated statements without parameters (migration steps).
    func executeScript(_ sql: String) throws
}

extension SQLConnection {
    func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [SQLRow] {
        try execute(sql, parameters).rows
    }

    /// Runs `body` in a transaction, committing when it returns and rolling back when it throws.
    func transaction<T>(begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try executeScript(begin)
        do {
            let value = try body()
            try executeScript("COMMIT")
            return value
        } catch {
            try? executeScript("ROLLBACK")
            throw error
        }
    }
}

/// Where a store gets connections: a driver hands `body` a connection on a thread of
/// its own and resumes the caller when it is done, so no cooperative thread waits on I/O.
protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    func withConnection<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T
    /// For `body`s that only read, one statement at a time: a driver may run them on a
    /// read-only connection, and on the caller's thread when that cannot block (SQLite in
    /// WAL mode); the result reflects every write that completed before the call.
    func withReadConnection<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T
    /// One read-only statement, whose rows `body` visits: through `withReadConnection`, or
    /// without a thread of its own where the driver can wait on the caller's event loop
    /// (PostgreSQL); the result reflects every write that completed before the call.
    func read<T: Sendable>(_ sql: String, _ parameters: [SQLValue], _ body: @Sendable @escaping (any SQLRows) throws -> T) async throws -> T
}

extension SQLDatabase {
    func withReadConnection<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await withConnection(body)
    }

    func read<T: Sendable>(_ sql: String, _ parameters: [SQLValue], _ body: @Sendable @escaping (any SQLRows) throws -> T) async throws -> T {
        try await readOnReadConnection(sql, parameters, body)
    }

    /// `read` through `withReadConnection`: the default, and a driver's fallback.
    func readOnReadConnection<T: Sendable>(
        _ sql: String, _ parameters: [SQLValue], _ body: @Sendable @escaping (any SQLRows) throws -> T
    ) async throws -> T {
        try await withReadConnection { connection in try body(StatementRows(connection: connection, sql: sql, parameters: parameters)) }
    }
}

/// The rows of one statement, visited while the driver still holds them.
protocol SQLRows {
    func map<Row>(_ decode: (any SQLColumns) throws -> Row) throws -> [Row]
}

extension SQLRows {
    func forEach(_ visit: (any SQLColumns) throws -> Void) throws {
        _ = try map(visit)
    }
}

/// A statement to run on a connection when its rows are first visited.
struct StatementRows: SQLRows {
    let connection: any SQLConnection
    let sql: String
    let parameters: [SQLValue]

    func map<Row>(_ decode: (any SQLColumns) throws -> Row) throws -> [Row] {
        try connection.query(sql, parameters, decoding: decode)
    }
}

enum SQLDialect: Sendable {
    case sqlite
    case postgres
}
