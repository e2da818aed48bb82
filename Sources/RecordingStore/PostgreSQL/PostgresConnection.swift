import CLibPQ
import Foundation

/// One libpq connection (`PGconn*`), closed when the last reference goes. Blocking:
/// `PostgresDatabase` only calls it from the dedicated queue of its pool slot.
final class PostgresConnection: SQLConnection {
    private let handle: OpaquePointer

    /// Connects with a libpq URI (`postgres://` or `postgresql://`, libpq parses both and
    /// `?sslmode=`). `redactedURL` is what errors may show: libpq's own messages name host
    /// and user, never the password, so only our text needs care.
    init(url: String, redactedURL: String, connectTimeoutSeconds: Int = 5) throws {
        // connect_timeout comes first so a value in the URL (expanded from dbname) wins.
        let keywords = ["connect_timeout", "dbname"]
        let values = [String(connectTimeoutSeconds), url]
        let connection = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else { throw DatabaseFailure.connectionLost("cannot allocate a libpq connection for \(redactedURL)") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.redacting(url: url, as: redactedURL, in: Self.trimmed(PQerrorMessage(connection)))
            PQfinish(connection)
            throw DatabaseFailure.connectionLost("cannot connect to PostgreSQL at \(redactedURL): \(message)")
        }
        handle = connection
    }

    deinit {
        PQfinish(handle)
    }

    /// libpq quotes the whole URI in some parse errors ("unexpected spaces found in ..."),
    /// password included; those never leave this type unredacted.
    private static func redacting(url: String, as redactedURL: String, in message: String) -> String {
        var message = message.replacingOccurrences(of: url, with: redactedURL)
        if let password = rawPassword(url), !password.isEmpty {
            message = message.replacingOccurrences(of: password, with: "***")
        }
        return message
    }

    /// The password exactly as written in the URI (libpq echoes it undecoded), found without
    /// a URL parser because the URIs that make libpq complain are often ones parsers refuse.
    private static func rawPassword(_ url: String) -> Substring? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        return userInfo[userInfo.index(after: colon)...]
    }

    /// False once the server went away (restart, network cut): the pool then opens a new one.
    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Statements this connection has prepared (`PQprepare`), by SQL text: the server parses
    /// and plans each once per connection instead of on every call. Names live as long as the
    /// session, so a new connection (after a restart) starts with an empty cache.
    private var prepared: [String: PreparedStatement] = [:]
    private var nextStatementNumber = 0
    static let statementCacheLimit = 64

    private struct PreparedStatement {
        var name: String
        /// The types the statement was prepared with (0: inferred by the server).
        var types: [Oid]
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> SQLResult {
        try run(sql, parameters) { result in
            SQLResult(rows: Self.rows(result), changes: Int(String(cString: PQcmdTuples(result))) ?? 0)
        }
    }

    func query<Row>(_ sql: String, _ parameters: [SQLValue], decoding decode: (any SQLColumns) throws -> Row) throws -> [Row] {
        try run(sql, parameters) { result in
            try (0..<PQntuples(result)).map { try decode(PostgresColumns(result: result, row: $0)) }
        }
    }

    /// Runs `sql` and hands its successful result to `read` before it is cleared.
    private func run<T>(_ sql: String, _ parameters: [SQLValue], _ read: (OpaquePointer) throws -> T) throws -> T {
        // Parameters travel separately from the SQL text, as text with an explicit type.
        let types: [Oid] = parameters.map(Self.typeOid)
        let texts: [String?] = parameters.map(Self.text)
        if let statement = try preparedStatement(sql, types: types) {
            let result = withOptionalCStrings(texts) { PQexecPrepared(handle, statement.name, Int32(texts.count), $0, nil, nil, 0) }
            guard let result, Self.field(result, "C") == undefinedPreparedStatement else { return try consume(result, read) }
            // The session lost its statements (a DISCARD ALL, a pooler between us and the
            // server): forget them (the next call prepares again) and run this one unprepared.
            PQclear(result)
            prepared.removeAll()
        }
        let result = withOptionalCStrings(texts) { values in
            PQexecParams(handle, sql, Int32(parameters.count), types, values, nil, nil, 0)
        }
        return try consume(result, read)
    }

    /// How many statements are prepared and kept (for tests).
    var preparedStatementCount: Int { prepared.count }

    /// The statement for `sql`, prepared on first use; nil when this call's parameter types
    /// differ from the prepared ones (a NULL then decides nothing: the server inferred it), so
    /// it runs unprepared rather than have the server read a value as another type.
    private func preparedStatement(_ sql: String, types: [Oid]) throws -> PreparedStatement? {
        if let statement = prepared[sql] {
            let compatible = statement.types.count == types.count
                && zip(statement.types, types).allSatisfy { $0 == $1 || $0 == 0 || $1 == 0 }
            return compatible ? statement : nil
        }
        if prepared.count >= Self.statementCacheLimit {
            // A bound, not an expected case: the store's SQL is a small fixed set.
            try consume(PQexec(handle, "DEALLOCATE ALL")) { _ in }
            prepared.removeAll()
        }
        nextStatementNumber += 1
        let statement = PreparedStatement(name: "recording_store_\(nextStatementNumber)", types: types)
        try consume(PQprepare(handle, statement.name, sql, Int32(types.count), types)) { _ in }
        prepared[sql] = statement
        return statement
    }

    func executeScript(_ sql: String) throws {
        try consume(PQexec(handle, sql)) { _ in }
    }

    /// `read` of a successful result, or the failure it reports; clears the result either way.
    private func consume<T>(_ result: OpaquePointer?, _ read: (OpaquePointer) throws -> T) throws -> T {
        guard let result else { throw failure(nil) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return try read(result)
        default:
            throw failure(result)
        }
    }

    private func failure(_ result: OpaquePointer?) -> DatabaseFailure {
        let message = result.map { Self.trimmed(PQresultErrorMessage($0)) } ?? Self.trimmed(PQerrorMessage(handle))
        let sqlState = result.flatMap { Self.field($0, "C") } ?? ""
        if sqlState == "23505" {
            return .uniqueViolation(detail: result.flatMap { Self.field($0, "n") } ?? message)
        }
        // Class 08 is "connection exception"; 57P01-57P03 mean the server is shutting down or starting.
        if !isHealthy || sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") {
            return .connectionLost(message)
        }
        return .failed(sqlState.isEmpty ? message : "\(message) (SQLSTATE \(sqlState))")
    }

    private static func field(_ result: OpaquePointer, _ code: Character) -> String? {
        PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
    }

    private static func rows(_ result: OpaquePointer) -> [SQLRow] {
        let columnCount = PQnfields(result)
        return (0..<PQntuples(result)).map { row in
            let columns = PostgresColumns(result: result, row: row)
            return SQLRow(values: (0..<columnCount).map { columns.value(Int($0)) })
        }
    }

    private static func typeOid(_ value: SQLValue) -> Oid {
        switch value {
        case .null: 0  // let the server infer it from the context
        case .integer: int8Oid
        case .text: textOid
        case .bool: boolOid
        }
    }

    private static func text(_ value: SQLValue) -> String? {
        switch value {
        case .null: nil
        case .integer(let number): String(number)
        case .text(let text): text
        case .bool(let flag): flag ? "true" : "false"
        }
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown error"
    }
}

/// One row of a result, read in place (libpq's text format). Typed as `rows` types them:
/// booleans are `bool` columns, integers the integer types, text everything else.
private struct PostgresColumns: SQLColumns {
    let result: OpaquePointer
    let row: Int32

    func isNull(_ index: Int) -> Bool {
        PQgetisnull(result, row, Int32(index)) == 1
    }

    func text(_ index: Int) throws -> String {
        guard let text = try optionalText(index) else { throw mismatch(index, expected: "text") }
        return text
    }

    func optionalText(_ index: Int) throws -> String? {
        if isNull(index) { return nil }
        guard case .text(let text) = value(index) else { throw mismatch(index, expected: "text") }
        return text
    }

    func integer(_ index: Int) throws -> Int64 {
        guard let value = try optionalInteger(index) else { throw mismatch(index, expected: "integer") }
        return value
    }

    func optionalInteger(_ index: Int) throws -> Int64? {
        if isNull(index) { return nil }
        // Integers are short: their text is a small string (no allocation) on the way.
        guard isInteger(index), let value = Int64(string(index)) else { throw mismatch(index, expected: "integer") }
        return value
    }

    func bool(_ index: Int) throws -> Bool {
        switch value(index) {
        case .bool(let value): value
        case .integer(let value): value != 0
        default: throw mismatch(index, expected: "boolean")
        }
    }

    /// The column as a `SQLValue` (an integer column whose text does not parse reads as text).
    func value(_ index: Int) -> SQLValue {
        if isNull(index) { return .null }
        switch PQftype(result, Int32(index)) {
        case boolOid: return .bool(string(index) == "t")
        case int8Oid, int4Oid, int2Oid:
            let text = string(index)
            return Int64(text).map(SQLValue.integer) ?? .text(text)
        default: return .text(string(index))
        }
    }

    private func isInteger(_ index: Int) -> Bool {
        switch PQftype(result, Int32(index)) {
        case int8Oid, int4Oid, int2Oid: true
        default: false
        }
    }

    /// The value's bytes with their length from libpq: no `strlen`, one copy.
    private func string(_ index: Int) -> String {
        let column = Int32(index)
        let count = Int(PQgetlength(result, row, column))
        return PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }

    private func mismatch(_ index: Int, expected: String) -> DatabaseFailure {
        .decoding("column \(index) is \(value(index)), expected \(expected)")
    }
}

// Built-in type OIDs (pg_type.dat); stable across PostgreSQL versions.
private let boolOid: Oid = 16
private let int8Oid: Oid = 20
private let int2Oid: Oid = 21
private let int4Oid: Oid = 23
private let textOid: Oid = 25
/// SQLSTATE invalid_sql_statement_name: "prepared statement ... does not exist".
private let undefinedPreparedStatement = "26000"

/// Calls `body` with a C array of C strings (with a nil after the last) that live for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStrings(strings) { body($0) }
}

private func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    // The trailing nil terminates keyword lists and keeps the array non-empty for zero parameters.
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } } + [nil]
    defer { duplicates.forEach { free($0) } }
    let pointers = duplicates.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
