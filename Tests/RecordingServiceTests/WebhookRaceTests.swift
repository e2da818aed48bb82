import Foundation
import Logging
import RecordingModels
import RecordingService
import RecordingStore
import Synchronization
import Testing
import TestSupport

/// Seen end to end (RecordingAPITests, unicode room): LiveKit's webhook for a new egress
/// looked the egress up before our own start had attached its id, then tried to insert it
/// as an unknown egress and found the room busy with that very egress. The update was
/// dropped ("not stored until it ends") although the row was ours all along.
@Suite("A webhook racing the start that created its egress")
struct WebhookRaceTests {
    @Test func updateForTheRoomsOwnEgressIsAppliedNotDropped() async throws {
        let h = Harness()
        let info = try await h.started()
        let racing = FirstLookupMisses(h.store, egressId: info.egressId)
        let service = RecordingService(
            store: racing, egress: h.liveKit, rooms: h.liveKit, storage: h.storage, roomNameDigest: RoomNameSlug.fnv1a,
            clock: h.clock, logger: Logger(label: "test", level: .trace, sink: h.logs))

        let applied = try await service.apply(h.liveKit.activate(info.egressId), from: .webhook)
        #expect(applied?.status == .active)
        #expect(try await h.stored(info.egressId)?.status == .active)
        #expect(racing.missed, "the race was played")
    }
}

/// The store as a webhook saw it an instant before the start attached the egress id.
final class FirstLookupMisses: RecordingStore {
    let base: InMemoryRecordingStore
    let egressId: String
    private let hidden = Mutex(true)

    init(_ base: InMemoryRecordingStore, egressId: String) {
        self.base = base
        self.egressId = egressId
    }

    var missed: Bool { !hidden.withLock { $0 } }

    func recording(egressId: String) async throws -> StoredRecording? {
        if egressId == self.egressId, hidden.withLock({ let was = $0; $0 = false; return was }) { return nil }
        return try await base.recording(egressId: egressId)
    }

    func migrate() async throws { try await base.migrate() }
    /// SQLite reports the one-active-recording-per-room constraint before the unique egress
    /// id (what the e2e run hit); the in-memory store checks the id first. Play SQLite.
    func insert(_ recording: StoredRecording) async throws {
        if let active = try await base.activeRecording(roomName: recording.roomName) { throw RecordingStoreError.roomBusy(active: active) }
        try await base.insert(recording)
    }
    func update(_ recording: StoredRecording) async throws -> StoredRecording { try await base.update(recording) }
    func recording(id: String) async throws -> StoredRecording? { try await base.recording(id: id) }
    func activeRecording(roomName: String) async throws -> StoredRecording? { try await base.activeRecording(roomName: roomName) }
    func activeRecordings() async throws -> [StoredRecording] { try await base.activeRecordings() }
    func list(_ query: RecordingQuery) async throws -> RecordingPage { try await base.list(query) }
    func terminalRecordings(createdBefore date: EpochMilliseconds, limit: Int) async throws -> [StoredRecording] {
        try await base.terminalRecordings(createdBefore: date, limit: limit)
    }
    func delete(id: String) async throws -> Bool { try await base.delete(id: id) }
    func appendAudit(_ record: AuditRecord) async throws { try await base.appendAudit(record) }
    func audit(_ query: AuditQuery) async throws -> AuditPage { try await base.audit(query) }
    func acquireLease(name: String, holder: String, seconds: Int, now: EpochMilliseconds) async throws -> Bool {
        try await base.acquireLease(name: name, holder: holder, seconds: seconds, now: now)
    }
    func ping() async throws { try await base.ping() }
}
