import RecordingModels

/// A public store that is the shared SQL layer over one kind of database: SQLite and
/// PostgreSQL differ only in how they connect, so the store itself is written once.
protocol SQLBackedRecordingStore: RecordingStore {
    var store: SQLRecordingStore { get }
}

extension SQLBackedRecordingStore {
    public func migrate() async throws { try await store.migrate() }
    public func insert(_ recording: StoredRecording) async throws { try await store.insert(recording) }
    @discardableResult
    public func update(_ recording: StoredRecording) async throws -> StoredRecording { try await store.update(recording) }
    @discardableResult
    public func update(_ recording: StoredRecording, appendingAudit record: AuditRecord) async throws -> StoredRecording {
        try await store.update(recording, appendingAudit: record)
    }
    public func recording(id: String) async throws -> StoredRecording? { try await store.recording(id: id) }
    public func recording(egressId: String) async throws -> StoredRecording? { try await store.recording(egressId: egressId) }
    public func activeRecording(roomName: String) async throws -> StoredRecording? { try await store.activeRecording(roomName: roomName) }
    public func activeRecordings() async throws -> [StoredRecording] { try await store.activeRecordings() }
    public func list(_ query: RecordingQuery) async throws -> RecordingPage { try await store.list(query) }
    public func listInfo(_ query: RecordingQuery) async throws -> RecordingInfoPage { try await store.listInfo(query) }
    public func terminalRecordings(createdBefore date: EpochMilliseconds, limit: Int) async throws -> [StoredRecording] {
        try await store.terminalRecordings(createdBefore: date, limit: limit)
    }
    @discardableResult
    public func delete(id: String) async throws -> Bool { try await store.delete(id: id) }
    @discardableResult
    public func delete(id: String, appendingAudit record: AuditRecord) async throws -> Bool {
        try await store.delete(id: id, appendingAudit: record)
    }
    public func appendAudit(_ record: AuditRecord) async throws { try await store.appendAudit(record) }
    public func audit(_ query: AuditQuery) async throws -> AuditPage { try await store.audit(query) }
    public func hasAuditRecord(egressId: String, actions: [String], outcome: String) async throws -> Bool {
        try await store.hasAuditRecord(egressId: egressId, actions: actions, outcome: outcome)
    }
    public func acquireLease(name: String, holder: String, seconds: Int, now: EpochMilliseconds) async throws -> Bool {
        try await store.acquireLease(name: name, holder: holder, seconds: seconds, now: now)
    }
    public func ping() async throws { try await store.ping() }
}
