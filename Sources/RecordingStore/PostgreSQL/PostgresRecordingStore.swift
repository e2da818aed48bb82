import RecordingModels

/// The store for several replicas: PostgreSQL through libpq, with a small connection pool.
/// Connections open on first use, and are replaced transparently after the server restarts.
public struct PostgresRecordingStore: RecordingStore {
    let store: SQLRecordingStore

    /// `url`: `postgres://user:pass@host:port/db` (or `postgresql://`, `?sslmode=...`).
    /// Throws `DatabaseURLError` for a malformed URL; does not connect yet.
    public init(url: String, poolSize: Int = 4) throws {
        try self.init(url: DatabaseURL(parsing: url), poolSize: poolSize)
    }

    init(url: DatabaseURL, poolSize: Int) throws {
        guard case .postgres(let text, let redacted) = url else {
            throw DatabaseURLError("is not a postgres:// URL (\(url))")
        }
        store = SQLRecordingStore(
            database: PostgresDatabase(url: text, redactedURL: redacted, poolSize: max(poolSize, 1)), name: "PostgreSQL \(redacted)")
    }

    public func migrate() async throws { try await store.migrate() }
    public func insert(_ recording: StoredRecording) async throws { try await store.insert(recording) }
    @discardableResult
    public func update(_ recording: StoredRecording) async throws -> StoredRecording { try await store.update(recording) }
    public func recording(id: String) async throws -> StoredRecording? { try await store.recording(id: id) }
    public func recording(egressId: String) async throws -> StoredRecording? { try await store.recording(egressId: egressId) }
    public func activeRecording(roomName: String) async throws -> StoredRecording? { try await store.activeRecording(roomName: roomName) }
    public func activeRecordings() async throws -> [StoredRecording] { try await store.activeRecordings() }
    public func list(_ query: RecordingQuery) async throws -> RecordingPage { try await store.list(query) }
    public func terminalRecordings(createdBefore date: EpochMilliseconds, limit: Int) async throws -> [StoredRecording] {
        try await store.terminalRecordings(createdBefore: date, limit: limit)
    }
    @discardableResult
    public func delete(id: String) async throws -> Bool { try await store.delete(id: id) }
    public func appendAudit(_ record: AuditRecord) async throws { try await store.appendAudit(record) }
    public func audit(_ query: AuditQuery) async throws -> AuditPage { try await store.audit(query) }
    public func acquireLease(name: String, holder: String, seconds: Int, now: EpochMilliseconds) async throws -> Bool {
        try await store.acquireLease(name: name, holder: holder, seconds: seconds, now: now)
    }
    public func ping() async throws { try await store.ping() }
}
