import Foundation
import RecordingModels
import RecordingStore

/// `RecordingStore` in memory, honouring the protocol's invariants the way the
/// databases do: one active recording per room (reservations included), unique
/// egress ids, optimistic versions, keyset cursors, leases. `failAll` makes every
/// call throw, to play a database that is down; `failNextUpdate` one write.
/// `update(_:appendingAudit:)` is its own, atomic as in the databases (a service over a
/// store without it gets the protocol's two calls: wrap this one to test that path).
public actor InMemoryRecordingStore: RecordingStore {
    private var rows: [String: StoredRecording] = [:]
    private var auditRecords: [AuditRecord] = []
    private var leases: [String: (holder: String, until: EpochMilliseconds)] = [:]
    private var failure: RecordingStoreError?
    private var nextUpdateFailure: RecordingStoreError?
    /// Rows updated, by either form of `update`.
    public private(set) var updateCount = 0
    /// Of those, the ones written with their audit record (`update(_:appendingAudit:)`).
    public private(set) var auditedUpdateCount = 0

    public init() {}

    public func failAll(with failure: RecordingStoreError?) {
        self.failure = failure
    }

    /// Every row, reservations included, oldest first.
    public var all: [StoredRecording] { rows.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    public var auditTrail: [AuditRecord] { auditRecords }

    private func check() throws {
        if let failure { throw failure }
    }

    public func migrate() async throws { try check() }

    public func insert(_ recording: StoredRecording) async throws {
        try check()
        try checkInvariants(recording, replacing: nil)
        rows[recording.id] = recording
    }

    /// The next update (either form) throws `failure` and writes nothing.
    public func failNextUpdate(with failure: RecordingStoreError) {
        nextUpdateFailure = failure
    }

    public func update(_ recording: StoredRecording, appendingAudit record: AuditRecord) async throws -> StoredRecording {
        let written = try write(recording)
        auditRecords.append(record)
        auditedUpdateCount += 1
        return written
    }

    public func update(_ recording: StoredRecording) async throws -> StoredRecording {
        try write(recording)
    }

    /// Synchronous, so the audited form cannot interleave with another call between its two writes.
    private func write(_ recording: StoredRecording) throws -> StoredRecording {
        try check()
        if let failure = nextUpdateFailure {
            nextUpdateFailure = nil
            throw failure
        }
        guard let stored = rows[recording.id] else { throw RecordingStoreError.notFound(id: recording.id) }
        guard stored.version == recording.version else { throw RecordingStoreError.conflict(id: recording.id) }
        try checkInvariants(recording, replacing: recording.id)
        var written = recording
        written.version += 1
        rows[recording.id] = written
        updateCount += 1
        return written
    }

    private func checkInvariants(_ recording: StoredRecording, replacing id: String?) throws {
        let others = rows.values.filter { $0.id != id }
        if let egressId = recording.egressId, others.contains(where: { $0.egressId == egressId }) {
            throw RecordingStoreError.duplicateEgress(egressId: egressId)
        }
        if recording.status.isActive,
            let active = others.first(where: { $0.roomName == recording.roomName && $0.status.isActive })
        {
            throw RecordingStoreError.roomBusy(active: active)
        }
    }

    public func recording(id: String) async throws -> StoredRecording? {
        try check()
        return rows[id]
    }

    public func recording(egressId: String) async throws -> StoredRecording? {
        try check()
        return rows.values.first { $0.egressId == egressId }
    }

    public func activeRecording(roomName: String) async throws -> StoredRecording? {
        try check()
        return rows.values.first { $0.roomName == roomName && $0.status.isActive }
    }

    public func activeRecordings() async throws -> [StoredRecording] {
        try check()
        return all.filter { $0.status.isActive }
    }

    public func list(_ query: RecordingQuery) async throws -> RecordingPage {
        try check()
        var candidates = rows.values.filter { row in
            (query.roomName == nil || row.roomName == query.roomName)
                && (query.status == nil || row.status == query.status)
                && (!query.activeOnly || row.status.isActive)
        }
        candidates.sort { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        if let cursor = query.cursor {
            let (at, id) = try Self.decodeCursor(cursor)
            candidates = candidates.filter { ($0.createdAt.value, $0.id) < (at, id) }
        }
        let page = Array(candidates.prefix(query.limit))
        let next = candidates.count > page.count ? page.last.map { Self.cursor($0.createdAt.value, $0.id) } : nil
        return RecordingPage(recordings: page, nextCursor: next)
    }

    public func terminalRecordings(createdBefore date: EpochMilliseconds, limit: Int) async throws -> [StoredRecording] {
        try check()
        return Array(all.filter { $0.status.isTerminal && $0.createdAt < date }.prefix(limit))
    }

    public func delete(id: String) async throws -> Bool {
        try check()
        return rows.removeValue(forKey: id) != nil
    }

    public func appendAudit(_ record: AuditRecord) async throws {
        try check()
        auditRecords.append(record)
    }

    public func audit(_ query: AuditQuery) async throws -> AuditPage {
        try check()
        var candidates = auditRecords.filter { record in
            (query.roomName == nil || record.roomName == query.roomName) && (query.egressId == nil || record.egressId == query.egressId)
        }
        candidates.sort { ($0.at, $0.id) > ($1.at, $1.id) }
        if let cursor = query.cursor {
            let (at, id) = try Self.decodeCursor(cursor)
            candidates = candidates.filter { ($0.at.value, $0.id) < (at, id) }
        }
        let page = Array(candidates.prefix(query.limit))
        let next = candidates.count > page.count ? page.last.map { Self.cursor($0.at.value, $0.id) } : nil
        return AuditPage(records: page, nextCursor: next)
    }

    public func acquireLease(name: String, holder: String, seconds: Int, now: EpochMilliseconds) async throws -> Bool {
        try check()
        if let lease = leases[name], lease.holder != holder, lease.until > now { return false }
        leases[name] = (holder, EpochMilliseconds(now.value + Int64(seconds) * 1000))
        return true
    }

    public func ping() async throws { try check() }

    private static func cursor(_ at: Int64, _ id: String) -> String {
        Data("\(at)|\(id)".utf8).base64EncodedString()
    }

    private static func decodeCursor(_ cursor: String) throws -> (Int64, String) {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
            let bar = text.firstIndex(of: "|"), let at = Int64(text[..<bar])
        else { throw RecordingStoreError.invalidCursor }
        return (at, String(text[text.index(after: bar)...]))
    }
}
