import Foundation
import RecordingModels

/// The store's logic, written once over `SQLDatabase`: both drivers run the same SQL
/// (PostgreSQL placeholders, features SQLite 3.35+ has too: partial indexes, upsert,
/// RETURNING) and differ only in migrations and in how they lock while migrating.
/// The public `SQLiteRecordingStore` and `PostgresRecordingStore` forward to it.
final class SQLRecordingStore: Sendable {
    let database: any SQLDatabase
    /// Shown in `.unavailable` messages: which database failed (redacted URL or file path).
    private let name: String

    init(database: any SQLDatabase, name: String) {
        self.database = database
        self.name = name
    }

    // MARK: Migrations

    func migrate() async throws {
        let dialect = database.dialect
        try await run { connection in
            // SQLite: BEGIN IMMEDIATE takes the write lock up front, so two processes migrating
            // the same file queue behind busy_timeout. PostgreSQL: a transaction-scoped advisory
            // lock serialises replicas starting together; it is released by COMMIT/ROLLBACK.
            try connection.transaction(begin: Self.beginWriting(dialect)) {
                if dialect == .postgres {
                    // A step may rebuild a large table, and a replica starting beside another
                    // waits here for the other's migration: neither is a stuck statement
                    // (PostgresConnection.sessionSettings), so the limits are off until COMMIT.
                    try connection.executeScript("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0")
                    try connection.execute("SELECT pg_advisory_xact_lock($1)", [.integer(Migrations.postgresLockKey)])
                }
                try connection.executeScript(Migrations.createMigrationsTable(for: dialect))
                let applied = Set(try connection.query("SELECT version FROM schema_migrations").map { try $0.integer(0) })
                for step in Migrations.steps(for: dialect) where !applied.contains(Int64(step.version)) {
                    try connection.executeScript(step.sql)
                    try connection.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        [.integer(Int64(step.version)), .integer(EpochMilliseconds(.now).value)])
                }
            }
        }
    }

    // MARK: Recordings

    func insert(_ recording: StoredRecording) async throws {
        try await run { connection in
            // Retried when the row that refused us was gone before we could read it.
            for _ in 0..<3 {
                if try connection.execute(Self.insertSQL, Self.parameters(recording)).changes > 0 { return }
                try Self.explainRefusedInsert(of: recording, connection: connection)
            }
            throw RecordingStoreError.unavailable("room \(recording.roomName) kept changing while inserting \(recording.id)")
        }
    }

    func update(_ recording: StoredRecording) async throws -> StoredRecording {
        try await run { try Self.update(recording, on: $0) }
    }

    func update(_ recording: StoredRecording, appendingAudit record: AuditRecord) async throws -> StoredRecording {
        let dialect = database.dialect
        let written: StoredRecording? = try await run { connection in
            do {
                switch dialect {
                case .postgres:
                    return try Self.updateOnce(recording, appendingAudit: record, on: connection)
                case .sqlite:
                    return try connection.transaction(begin: Self.beginWriting(.sqlite)) {
                        let written = try Self.updateOnce(recording, on: connection)
                        try Self.appendAudit(record, on: connection)
                        return written
                    }
                }
            } catch DatabaseFailure.uniqueViolation {
                return nil  // rolled back
            }
        }
        if let written { return written }
        // A unique index refused the row. PostgreSQL aborted the transaction, so the read
        // that says which recording holds the room could not happen in it: the plain calls
        // explain it (the rare path pays the second round trip).
        let explained = try await update(recording)
        try await appendAudit(record)
        return explained
    }

    private static func update(_ recording: StoredRecording, on connection: any SQLConnection) throws -> StoredRecording {
        for _ in 0..<3 {
            do {
                return try updateOnce(recording, on: connection)
            } catch DatabaseFailure.uniqueViolation(let detail) {
                try Self.explain(uniqueViolation: detail, for: recording, connection: connection)
            }
        }
        throw RecordingStoreError.unavailable("room \(recording.roomName) kept changing while updating \(recording.id)")
    }

    /// One versioned UPDATE; a unique violation is left to the caller.
    private static func updateOnce(_ recording: StoredRecording, on connection: any SQLConnection) throws -> StoredRecording {
        var parameters = Self.parameters(recording)
        parameters.append(.integer(Int64(recording.version)))
        if let written = try connection.query(Self.updateSQL, parameters, decoding: Self.recording(from:)).first {
            return written
        }
        throw try missedUpdate(recording, on: connection)
    }

    /// `updateOnce` and the audit record in one PostgreSQL statement, so in one round trip
    /// instead of four (BEGIN, UPDATE, INSERT, COMMIT: ~0.3 ms of a start on loopback). A
    /// statement is atomic on its own, and its data-modifying WITH parts all run: the record
    /// is inserted exactly when the UPDATE wrote a row. SQLite has no DML in WITH.
    private static func updateOnce(
        _ recording: StoredRecording, appendingAudit record: AuditRecord, on connection: any SQLConnection
    ) throws -> StoredRecording {
        var parameters = Self.parameters(recording)
        parameters.append(.integer(Int64(recording.version)))
        parameters += auditParameters(record)
        if let written = try connection.query(Self.updateAppendingAuditSQL, parameters, decoding: Self.recording(from:)).first {
            return written
        }
        throw try missedUpdate(recording, on: connection)
    }

    /// Why a versioned UPDATE wrote no row: the row changed since it was read, or is gone.
    private static func missedUpdate(_ recording: StoredRecording, on connection: any SQLConnection) throws -> RecordingStoreError {
        let exists = try !connection.query("SELECT 1 FROM recordings WHERE id = $1", [.text(recording.id)]).isEmpty
        return exists ? .conflict(id: recording.id) : .notFound(id: recording.id)
    }

    func recording(id: String) async throws -> StoredRecording? {
        try await recordings(where: "id = $1", [.text(id)]).first
    }

    func recording(egressId: String) async throws -> StoredRecording? {
        try await recordings(where: "egress_id = $1", [.text(egressId)]).first
    }

    func activeRecording(roomName: String) async throws -> StoredRecording? {
        try await recordings(where: "room_name = $1 AND status IN \(Migrations.activeStatusList)", [.text(roomName)]).first
    }

    func activeRecordings() async throws -> [StoredRecording] {
        try await recordings(where: "status IN \(Migrations.activeStatusList) ORDER BY created_at, id", [])
    }

    func list(_ query: RecordingQuery) async throws -> RecordingPage {
        let (sql, parameters, limit) = try Self.listStatement(query, columns: Self.columns)
        var recordings = try await read(sql, parameters) { try $0.map(Self.recording(from:)) }
        let hasMore = recordings.count > limit
        if hasMore { recordings.removeLast(recordings.count - limit) }
        let next = hasMore ? recordings.last.map { PageCursor(time: $0.createdAt.value, id: $0.id).encoded(.recordings) } : nil
        return RecordingPage(recordings: recordings, nextCursor: next)
    }

    /// `list`'s rows as `RecordingInfo`, read from `listColumns` only. The cursor's id and
    /// time are read from the page's last row alone (an id string per row otherwise).
    func listInfo(_ query: RecordingQuery) async throws -> RecordingInfoPage {
        let (sql, parameters, limit) = try Self.listStatement(query, columns: Self.listColumns)
        return try await read(sql, parameters) { rows in
            // Appended as each row is read: an array of optionals to compact afterwards was a
            // copy of every row (a retain and release per string).
            var recordings: [RecordingInfo] = []
            recordings.reserveCapacity(limit)
            var rowsRead = 0
            var last: PageCursor?
            try rows.forEach { row in
                rowsRead += 1
                // The extra row only says that another page exists.
                guard rowsRead <= limit else { return }
                if rowsRead == limit { last = try Self.listCursor(from: row) }
                if let recording = try Self.listedRecording(from: row) { recordings.append(recording) }
            }
            let next = rowsRead > limit ? last?.encoded(.recordings) : nil
            return RecordingInfoPage(recordings: recordings, nextCursor: next)
        }
    }

    /// The page's SELECT of `columns`, newest first, one row more than asked: that row says
    /// whether another page exists, without COUNT.
    private static func listStatement(_ query: RecordingQuery, columns: String) throws -> (sql: String, parameters: [SQLValue], limit: Int) {
        var filter = SQLFilter()
        if let roomName = query.roomName { filter.add("room_name = ", .text(roomName)) }
        // A literal, not a parameter: PostgreSQL plans prepared statements once, without the
        // values (PostgresConnection.sessionSettings), and only a literal status lets that plan
        // know how rare it is. As a parameter, a page after a cursor for a status few rows have
        // walked the time index past every other status (100k rows: 23 ms instead of 0.05).
        // Safe to inline: a `RecordingStatus`, one of seven fixed upper-case words.
        if let status = query.status { filter.add("status = '\(status.rawValue)'") }
        if query.activeOnly { filter.add("status IN \(Migrations.activeStatusList)") }
        if let text = query.cursor {
            guard let cursor = PageCursor(decoding: text, kind: .recordings) else { throw RecordingStoreError.invalidCursor }
            filter.addKeyset(timeColumn: "created_at", after: cursor)
        }
        let limit = Self.pageSize(query.limit)
        let sql = "SELECT \(columns) FROM recordings\(filter.whereClause) ORDER BY created_at DESC, id DESC LIMIT \(filter.next)"
        return (sql, filter.parameters + [.integer(Int64(limit + 1))], limit)
    }

    func terminalRecordings(createdBefore date: EpochMilliseconds, limit: Int) async throws -> [StoredRecording] {
        try await recordings(
            where: "status NOT IN \(Migrations.activeStatusList) AND created_at < $1 ORDER BY created_at, id LIMIT $2",
            [.integer(date.value), .integer(Int64(max(limit, 0)))])
    }

    func delete(id: String) async throws -> Bool {
        try await run { try Self.delete(id: id, on: $0) }
    }

    func delete(id: String, appendingAudit record: AuditRecord) async throws -> Bool {
        let begin = Self.beginWriting(database.dialect)
        return try await run { connection in
            try connection.transaction(begin: begin) {
                guard try Self.delete(id: id, on: connection) else { return false }
                try Self.appendAudit(record, on: connection)
                return true
            }
        }
    }

    /// SQLite: IMMEDIATE takes the write lock before the first read, as a single write would,
    /// instead of failing with SQLITE_BUSY when it upgrades a read lock another writer beat it to.
    private static func beginWriting(_ dialect: SQLDialect) -> String {
        dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
    }

    private static func delete(id: String, on connection: any SQLConnection) throws -> Bool {
        try connection.execute("DELETE FROM recordings WHERE id = $1", [.text(id)]).changes > 0
    }

    // MARK: Audit

    func appendAudit(_ record: AuditRecord) async throws {
        try await run { try Self.appendAudit(record, on: $0) }
    }

    private static func appendAudit(_ record: AuditRecord, on connection: any SQLConnection) throws {
        try connection.execute(
            """
            INSERT INTO audit (\(auditColumns))
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """,
            auditParameters(record))
    }

    static let auditColumns = "id, at, actor, actor_kind, action, egress_id, room_name, remote_address, outcome"

    /// In `auditColumns` order.
    private static func auditParameters(_ record: AuditRecord) -> [SQLValue] {
        [
            .text(record.id), .integer(record.at.value), .text(record.actor), .text(record.actorKind), .text(record.action),
            SQLValue(record.egressId), SQLValue(record.roomName), SQLValue(record.remoteAddress), .text(record.outcome),
        ]
    }

    /// One indexed look-up (`audit_egress_newest` leads with the egress id).
    func hasAuditRecord(egressId: String, actions: [String], outcome: String) async throws -> Bool {
        guard !actions.isEmpty else { return false }
        var filter = SQLFilter()
        filter.add("egress_id = ", .text(egressId))
        filter.add("outcome = ", .text(outcome))
        let placeholders = actions.indices.map { "$\(filter.parameters.count + 1 + $0)" }.joined(separator: ", ")
        filter.add("action IN (\(placeholders))")
        let sql = "SELECT 1 FROM audit\(filter.whereClause) LIMIT 1"
        return try await read(sql, filter.parameters + actions.map { .text($0) }) { rows in
            try rows.map { _ in true }.isEmpty == false
        }
    }

    func audit(_ query: AuditQuery) async throws -> AuditPage {
        var filter = SQLFilter()
        if let roomName = query.roomName { filter.add("room_name = ", .text(roomName)) }
        if let egressId = query.egressId { filter.add("egress_id = ", .text(egressId)) }
        if let text = query.cursor {
            guard let cursor = PageCursor(decoding: text, kind: .audit) else { throw RecordingStoreError.invalidCursor }
            filter.addKeyset(timeColumn: "at", after: cursor)
        }
        let limit = Self.pageSize(query.limit)
        let sql = """
            SELECT id, at, actor, actor_kind, action, egress_id, room_name, remote_address, outcome
            FROM audit\(filter.whereClause) ORDER BY at DESC, id DESC LIMIT \(filter.next)
            """
        let parameters = filter.parameters + [.integer(Int64(limit + 1))]
        var records = try await read(sql, parameters) { rows in
            try rows.map { row in
                AuditRecord(
                    id: try row.text(0), at: EpochMilliseconds(try row.integer(1)), actor: try row.text(2), actorKind: try row.text(3),
                    action: try row.text(4), egressId: try row.optionalText(5), roomName: try row.optionalText(6),
                    remoteAddress: try row.optionalText(7), outcome: try row.text(8))
            }
        }
        let hasMore = records.count > limit
        if hasMore { records.removeLast(records.count - limit) }
        let next = hasMore ? records.last.map { PageCursor(time: $0.at.value, id: $0.id).encoded(.audit) } : nil
        return AuditPage(records: records, nextCursor: next)
    }

    // MARK: Leases

    func acquireLease(name: String, holder: String, seconds: Int, now: EpochMilliseconds) async throws -> Bool {
        // One atomic statement: insert, or take over when free/expired, or renew when ours.
        // When the lease is someone else's and live, the WHERE leaves the row alone and
        // RETURNING yields nothing; concurrent callers serialise on the row (both databases).
        let rows = try await run { connection in
            try connection.query(
                """
                INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.holder = excluded.holder OR leases.expires_at <= $4
                RETURNING holder
                """,
                [.text(name), .text(holder), .integer(now.value + Int64(seconds) * 1000), .integer(now.value)])
        }
        return !rows.isEmpty
    }

    func ping() async throws {
        _ = try await run { try $0.query("SELECT 1") }
    }

    // MARK: Plumbing

    /// Runs `body` on a connection and turns driver failures into the protocol's errors.
    private func run<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await translatingFailures { try await database.withConnection(body) }
    }

    /// One read-only statement whose rows `body` visits (see `SQLDatabase.read`).
    private func read<T: Sendable>(
        _ sql: String, _ parameters: [SQLValue], _ body: @Sendable @escaping (any SQLRows) throws -> T
    ) async throws -> T {
        try await translatingFailures { try await database.read(sql, parameters, body) }
    }

    private func translatingFailures<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RecordingStoreError {
            throw error
        } catch let failure as DatabaseFailure {
            throw RecordingStoreError.unavailable("\(name): \(failure)")
        }
    }

    private func recordings(where condition: String, _ parameters: [SQLValue]) async throws -> [StoredRecording] {
        let sql = "SELECT \(Self.columns) FROM recordings WHERE \(condition)"
        return try await read(sql, parameters) { try $0.map(Self.recording(from:)) }
    }

    /// Turns a unique violation into the protocol's answer. Returns (so the caller retries)
    /// only when the room's active row vanished between the violation and our read.
    private static func explain(uniqueViolation detail: String, for recording: StoredRecording, connection: any SQLConnection) throws {
        // SQLite names the columns ("recordings.room_name"), PostgreSQL the index
        // ("recordings_active_room_name"); both mention the column.
        if detail.contains("room_name") { return try throwIfRoomBusy(for: recording, connection: connection) }
        if detail.contains("egress_id"), let egressId = recording.egressId {
            throw RecordingStoreError.duplicateEgress(egressId: egressId)
        }
        throw RecordingStoreError.unavailable("a recording with id \(recording.id) already exists (\(detail))")
    }

    private static func throwIfRoomBusy(for recording: StoredRecording, connection: any SQLConnection) throws {
        let active = try connection.query(
            "SELECT \(columns) FROM recordings WHERE room_name = $1 AND status IN \(Migrations.activeStatusList)",
            [.text(recording.roomName)], decoding: Self.recording(from:))
        if let active = active.first { throw RecordingStoreError.roomBusy(active: active) }
    }

    /// Why `insertSQL` inserted nothing, in the order of the indexes a plain INSERT checks (the
    /// answers it gave: the egress id, then the room). Returns (so the caller retries) when no
    /// row refuses it any more.
    private static func explainRefusedInsert(of recording: StoredRecording, connection: any SQLConnection) throws {
        if let egressId = recording.egressId,
            try !connection.query("SELECT 1 FROM recordings WHERE egress_id = $1", [.text(egressId)]).isEmpty
        {
            throw RecordingStoreError.duplicateEgress(egressId: egressId)
        }
        if recording.status.isActive { try throwIfRoomBusy(for: recording, connection: connection) }
        if try !connection.query("SELECT 1 FROM recordings WHERE id = $1", [.text(recording.id)]).isEmpty {
            throw RecordingStoreError.unavailable("a recording with id \(recording.id) already exists")
        }
    }

    private static func pageSize(_ limit: Int) -> Int { min(max(limit, 1), 1000) }
}

/// A WHERE clause assembled from optional conditions, each value a numbered parameter.
struct SQLFilter {
    private(set) var conditions: [String] = []
    private(set) var parameters: [SQLValue] = []

    /// The next placeholder (`$N`).
    var next: String { "$\(parameters.count + 1)" }

    var whereClause: String { conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ") }

    /// `condition` ends where the value goes, e.g. `"room_name = "`.
    mutating func add(_ condition: String, _ value: SQLValue) {
        conditions.append(condition + next)
        parameters.append(value)
    }

    mutating func add(_ condition: String) {
        conditions.append(condition)
    }

    /// Rows after `cursor` in (time DESC, id DESC) order. The leading `time <= cursor` adds
    /// nothing logically but is what lets PostgreSQL start its index scan at the cursor:
    /// given only the OR, it walked the index from the newest row and filtered out every row
    /// before the cursor (make bench: the page half way down 100k recordings took 48 ms, not
    /// 0.1 ms; EXPLAIN ANALYZE "Rows Removed by Filter: 50000"). SQLite finds the range either way.
    mutating func addKeyset(timeColumn: String, after cursor: PageCursor) {
        let time = next
        parameters.append(.integer(cursor.time))
        let id = next
        parameters.append(.text(cursor.id))
        conditions.append("\(timeColumn) <= \(time) AND (\(timeColumn) < \(time) OR (\(timeColumn) = \(time) AND id < \(id)))")
    }
}
