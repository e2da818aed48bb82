import CLibPQ
import DescriptorWaiting
import Foundation

/// One libpq connection (`PGconn*`), closed when the last reference goes. `PostgresDatabase`
/// uses it from one place at a time: blocking on the dedicated queue of a pool slot, or
/// non-blocking from a task on an event loop (`read(_:_:waitingWith:timeout:_:)`).
/// `@unchecked Sendable` for that hand-over; the pools guarantee the one owner.
final class PostgresConnection: SQLConnection, @unchecked Sendable {
    private let handle: OpaquePointer

    /// Connects with a libpq URI (`postgres://` or `postgresql://`, libpq parses both and
    /// `?sslmode=`). `redactedURL` is what errors may show: libpq's own messages name host
    /// and user, never the password, so only our text needs care.
    init(url: String, redactedURL: String, connectTimeoutSeconds: Int = 5) throws {
        // Our defaults come first so a value in the URL (expanded from dbname) wins.
        let defaults = Self.deadPeerLimits + [Self.sessionSettings]
        let keywords = ["connect_timeout"] + defaults.map(\.keyword) + ["dbname"]
        let values = [String(connectTimeoutSeconds)] + defaults.map(\.value) + [url]
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

    /// A blocking call on a connection whose server vanished without a reset (host gone,
    /// network cut) would otherwise wait for the kernel's TCP give-up, ~15 minutes with
    /// unacknowledged data and hours when idle: keepalive probes after 30 s of silence, 3 of
    /// them 10 s apart, and at most 60 s for sent data to be acknowledged.
    static let deadPeerLimits: [(keyword: String, value: String)] = [
        ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "60000"),
    ]

    /// Settings of every session (`?options=` in the URL replaces them all). NOTICEs are not
    /// sent: libpq prints them raw to stderr ("relation … already exists, skipping" at each
    /// start-up), outside the JSON log.
    ///
    /// Limits the server enforces, for what the client cannot see: a statement that waits on
    /// a lock someone holds (a forgotten `BEGIN` in psql, a replica frozen mid-transaction)
    /// would otherwise hold its pool slot, and the request, for as long as the lock is held.
    /// The same 30 s as a loop read's own timeout; a lock wait gives up sooner, since our own
    /// transactions hold locks for milliseconds; and a session idle inside a transaction for
    /// a minute (its process stopped) is ended, so its locks do not block the other replicas.
    /// Migrations lift the first two for their own transaction.
    ///
    /// Generic plans for prepared statements: with the page size a parameter (`LIMIT $n`)
    /// and the keyset condition, PostgreSQL's estimate of the generic plan came out far above
    /// the custom one, so it planned every list query afresh (0.1–0.15 ms of its CPU each,
    /// about half of what a page cost it). Our statements are index lookups whose best plan
    /// does not depend on the values (bench/README.md: list-deep 5.5k → 7.8k req/s at 100k rows);
    /// where it did (how rare a filtered status is), the status is written into the SQL
    /// instead (`SQLRecordingStore.listStatement`).
    static let sessionSettings = (
        keyword: "options",
        value: "-c statement_timeout=30s -c lock_timeout=10s -c idle_in_transaction_session_timeout=60s"
            + " -c plan_cache_mode=force_generic_plan -c client_min_messages=warning"
    )

    /// The connection's socket (tests look at its options).
    var socket: Int32 { PQsocket(handle) }

    /// libpq quotes the whole URI in some parse errors ("unexpected spaces found in ..."),
    /// password included; those never leave this type unredacted.
    private static func redacting(url: String, as redactedURL: String, in message: String) -> String {
        var message = message.replacingOccurrences(of: url, with: redactedURL)
        for password in rawPasswords(url) where !password.isEmpty {
            message = message.replacingOccurrences(of: password, with: "***")
        }
        return message
    }

    /// The password in the user info and any `?password=`/`?sslpassword=` values, as written.
    private static func rawPasswords(_ url: String) -> [Substring] {
        let query = url.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        let parameters = query.split(separator: "&").compactMap { pair -> Substring? in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, isSecretParameter(String(parts[0])) else { return nil }
            return parts[1]
        }
        return (rawPassword(url).map { [$0] } ?? []) + parameters
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
    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK && !isAbandoned }

    /// `isHealthy`, after reading what an idle connection may have been sent meanwhile. A
    /// server that restarted or ended the session (`pg_terminate_backend`, idle timeouts)
    /// has closed the socket: that end of stream is waiting to be read, and reading it now
    /// marks the connection bad before a statement is sent on it rather than after.
    var isUsableAfterIdling: Bool {
        // A server shutting down sends its reason (an error message) before closing: each read
        // takes in what arrived, so the end of stream shows on the next. Harmless asynchronous
        // messages (a NOTICE, a parameter change) are taken in the same way.
        for _ in 0..<4 where isHealthy {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) == 1 else { break }
            guard PQconsumeInput(handle) == 1 else { break }
        }
        return isHealthy
    }

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
        try run(sql, parameters) { try PostgresResultRows(result: $0).map(decode) }
    }

    /// One read on a non-blocking connection (`makeNonBlocking()`), awaited through `waiter`.
    func read<T>(
        _ sql: String, _ parameters: [SQLValue], waitingWith waiter: any DescriptorWaiter, timeout: Duration,
        _ body: (any SQLRows) throws -> T
    ) async throws -> T {
        try await run(sql, parameters, waitingWith: waiter, timeout: timeout) { try body(PostgresResultRows(result: $0)) }
    }

    /// Runs `sql` and hands its successful result to `read` before it is cleared.
    private func run<T>(_ sql: String, _ parameters: [SQLValue], _ read: (OpaquePointer) throws -> T) throws -> T {
        let statement = try Statement(sql: sql, parameters: parameters)
        let plan = plan(for: statement)
        if let new = plan.prepare {
            try consume(try exchange(.prepare(new), statement)) { _ in }
            prepared[sql] = new
        }
        if let name = plan.preparedName {
            let result = try exchange(.executePrepared(name), statement)
            guard lostPreparedStatements(result) else { return try consume(result, read) }
        }
        return try consume(try exchange(.execute, statement), read)
    }

    /// `run` on a non-blocking connection: sends each command and waits for its answer
    /// through `waiter` (the caller's event loop) instead of blocking a thread.
    private func run<T>(
        _ sql: String, _ parameters: [SQLValue], waitingWith waiter: any DescriptorWaiter, timeout: Duration,
        _ read: (OpaquePointer) throws -> T
    ) async throws -> T {
        let statement = try Statement(sql: sql, parameters: parameters)
        let plan = plan(for: statement)
        if let new = plan.prepare {
            try consume(try await exchange(.prepare(new), statement, waiter, timeout)) { _ in }
            prepared[sql] = new
        }
        if let name = plan.preparedName {
            let result = try await exchange(.executePrepared(name), statement, waiter, timeout)
            guard lostPreparedStatements(result) else { return try consume(result, read) }
        }
        return try consume(try await exchange(.execute, statement, waiter, timeout), read)
    }

    /// How many statements are prepared and kept (for tests).
    var preparedStatementCount: Int { prepared.count }

    /// A statement's text and its parameters as libpq takes them: as text, each with an
    /// explicit type, separate from the SQL.
    private struct Statement {
        let sql: String
        let types: [Oid]
        let texts: [String?]

        /// Refuses text with a NUL: libpq sends parameters as C strings, so the value would
        /// arrive cut short at the NUL and match another row (PostgreSQL's text cannot hold
        /// one anyway).
        init(sql: String, parameters: [SQLValue]) throws {
            self.sql = sql
            types = parameters.map(PostgresConnection.typeOid)
            texts = parameters.map(PostgresConnection.text)
            if texts.contains(where: { $0?.utf8.contains(0) == true }) {
                throw DatabaseFailure.failed("a text parameter contains a NUL character, which PostgreSQL cannot take")
            }
        }
    }

    private enum Command {
        case prepare(PreparedStatement)
        case executePrepared(String)
        /// The statement's text, unprepared.
        case execute
    }

    /// Whether the statement is prepared first (first use) and under which name it runs;
    /// no name when this call's parameter types differ from the prepared ones (a NULL then
    /// decides nothing: the server inferred it), so it runs unprepared rather than have the
    /// server read a value as another type, and when the cache is full (a bound, never
    /// reached by the store's small fixed set of statements).
    private func plan(for statement: Statement) -> (prepare: PreparedStatement?, preparedName: String?) {
        if let known = prepared[statement.sql] {
            let compatible = known.types.count == statement.types.count
                && zip(known.types, statement.types).allSatisfy { $0 == $1 || $0 == 0 || $1 == 0 }
            return (nil, compatible ? known.name : nil)
        }
        guard prepared.count < Self.statementCacheLimit else { return (nil, nil) }
        nextStatementNumber += 1
        let new = PreparedStatement(name: "recording_store_\(nextStatementNumber)", types: statement.types)
        return (new, new.name)
    }

    /// The session lost its statements (a DISCARD ALL, a pooler between us and the server):
    /// forget them (the next call prepares again); the caller runs this one unprepared.
    private func lostPreparedStatements(_ result: OpaquePointer?) -> Bool {
        guard let result, Self.field(result, "C") == undefinedPreparedStatement else { return false }
        PQclear(result)
        prepared.removeAll()
        return true
    }

    /// A command's result on a blocking connection.
    private func exchange(_ command: Command, _ statement: Statement) throws -> OpaquePointer? {
        withOptionalCStrings(statement.texts) { values in
            let count = Int32(statement.texts.count)
            return switch command {
            case .prepare(let new): PQprepare(handle, new.name, statement.sql, count, new.types)
            case .executePrepared(let name): PQexecPrepared(handle, name, count, values, nil, nil, 0)
            case .execute: PQexecParams(handle, statement.sql, count, statement.types, values, nil, nil, 0)
            }
        }
    }

    /// A command's result on a non-blocking connection: sent, flushed and awaited through
    /// `waiter`. A timeout leaves the connection mid-command: it is closed.
    private func exchange(
        _ command: Command, _ statement: Statement, _ waiter: any DescriptorWaiter, _ timeout: Duration
    ) async throws -> OpaquePointer? {
        let sent = withOptionalCStrings(statement.texts) { values in
            let count = Int32(statement.texts.count)
            return switch command {
            case .prepare(let new): PQsendPrepare(handle, new.name, statement.sql, count, new.types)
            case .executePrepared(let name): PQsendQueryPrepared(handle, name, count, values, nil, nil, 0)
            case .execute: PQsendQueryParams(handle, statement.sql, count, statement.types, values, nil, nil, 0)
            }
        }
        guard sent == 1 else { throw failure(nil) }
        var flushing = PQflush(handle)
        while flushing == 1 {
            try await waitFor(.writable, waiter, timeout)
            flushing = PQflush(handle)
        }
        guard flushing == 0 else { throw failure(nil) }
        // One command yields one result, then nil once the server is ready for the next.
        let result = try await nextResult(waiter, timeout)
        do {
            while let extra = try await nextResult(waiter, timeout) { PQclear(extra) }
        } catch {
            if let result { PQclear(result) }
            throw error
        }
        return result
    }

    private func nextResult(_ waiter: any DescriptorWaiter, _ timeout: Duration) async throws -> OpaquePointer? {
        while PQisBusy(handle) == 1 {
            try await waitFor(.readable, waiter, timeout)
            guard PQconsumeInput(handle) == 1 else { throw failure(nil) }
        }
        return PQgetResult(handle)
    }

    /// Waits briefly on this thread first (`poll`): an answer normally comes within a
    /// fraction of a millisecond, and handing the socket to the loop's epoll and suspending
    /// costs more than that wait (bench: status p99 4.4-5.0 ms waiting in place, 6.8-7.4 ms
    /// always through the loop). Only a slow answer suspends the task, so a PostgreSQL that
    /// stalls holds the loop for `inPlaceWaitMilliseconds` per read, not for the stall. A connection
    /// whose answers are not quick (a remote or busy server) stops waiting in place
    /// (`InPlaceWaits`): the loop would otherwise sit in poll() for every read.
    private func waitFor(_ readiness: DescriptorReadiness, _ waiter: any DescriptorWaiter, _ timeout: Duration) async throws {
        let socket = PQsocket(handle)
        if inPlaceWaits.shouldWaitInPlace() {
            var descriptor = pollfd(fd: socket, events: Int16(readiness == .readable ? POLLIN : POLLOUT), revents: 0)
            let started = ContinuousClock.now
            let ready = poll(&descriptor, 1, Self.inPlaceWaitMilliseconds) == 1
            inPlaceWaits.record(answeredIn: ready ? ContinuousClock.now - started : nil, budget: .milliseconds(Self.inPlaceWaitMilliseconds))
            if ready { return }
        }
        switch await waiter.wait(for: socket, to: readiness, timeout: timeout) {
        case .ready: return
        case .timedOut:
            isAbandoned = true
            throw DatabaseFailure.connectionLost("no answer from PostgreSQL within \(timeout)")
        case .notWatched:
            isAbandoned = true
            throw DatabaseFailure.connectionLost("the event loop stopped (or could not watch the socket) while waiting for PostgreSQL")
        }
    }

    static let inPlaceWaitMilliseconds: Int32 = 2

    /// Whether this connection's answers have been quick enough to wait for in place.
    private(set) var inPlaceWaits = InPlaceWaits()

    /// Set when a command was left unfinished: the connection must not be used again.
    private(set) var isAbandoned = false

    /// Switches to libpq's non-blocking mode, for `read(_:_:waitingWith:timeout:_:)` only.
    func makeNonBlocking() throws {
        guard PQsetnonblocking(handle, 1) == 0 else { throw failure(nil) }
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

    fileprivate static func typeOid(_ value: SQLValue) -> Oid {
        switch value {
        case .null: 0  // let the server infer it from the context
        case .integer: int8Oid
        case .text: textOid
        case .bool: boolOid
        }
    }

    fileprivate static func text(_ value: SQLValue) -> String? {
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

/// When a non-blocking connection waits for an answer in place (poll() on the loop thread)
/// rather than through the loop's epoll. Waiting in place holds the loop: every other request
/// on it waits too, and reads on the loop run one at a time. That pays only while answers
/// take a fraction of a millisecond (PostgreSQL on the same host); with answers taking 1 ms
/// (remote server) a loop spent its time in poll(): status 3.3k -> 1.3k req/s and /health
/// p50 24 ms on wrk -c32. So once the typical answer is slower than `quick`, waits go to the
/// loop, and every `probeInterval`-th of them tries in place again, so a server that became
/// quick again is waited for in place again. The typical answer is smoothed (each new one
/// weighs 1/8): a one-off slow answer under load does not send waits to the loop (flipping
/// on every slow answer cost list p99 about 2 ms on a local server).
struct InPlaceWaits {
    static let quick = Duration.microseconds(500)
    static let probeInterval = 16

    private(set) var typicalAnswer = Duration.zero
    private var waitsThroughTheLoop = 0

    var inPlace: Bool { typicalAnswer <= Self.quick }

    /// Whether the next wait polls in place first.
    mutating func shouldWaitInPlace() -> Bool {
        if inPlace { return true }
        waitsThroughTheLoop += 1
        guard waitsThroughTheLoop >= Self.probeInterval else { return false }
        waitsThroughTheLoop = 0
        return true
    }

    /// An in-place wait ended: answered after `elapsed`, or nil when it gave up after `budget`.
    mutating func record(answeredIn elapsed: Duration?, budget: Duration) {
        typicalAnswer += ((elapsed ?? budget) - typicalAnswer) / 8
    }
}

/// A result's rows, valid until the result is cleared.
private struct PostgresResultRows: SQLRows {
    let result: OpaquePointer

    func map<Row>(_ decode: (any SQLColumns) throws -> Row) throws -> [Row] {
        try (0..<PQntuples(result)).map { try decode(PostgresColumns(result: result, row: $0)) }
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
