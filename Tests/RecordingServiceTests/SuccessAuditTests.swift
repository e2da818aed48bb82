import Foundation
import Logging
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

/// A start and a stop write their success record with their last change (issue #9: one trip
/// to the store's writer fewer). Whichever write carries it, each call leaves exactly one
/// record, and never an `ok` for a change that was not written.
@Suite("One audit record per start and stop")
struct SuccessAuditTests {
    /// How the store writes a change with its record: in one call (the databases, the fake),
    /// or as the protocol's default two calls (a store without its own).
    enum Writes: String, CaseIterable, Sendable {
        case together, twoCalls
    }

    static func service(_ h: Harness, _ writes: Writes) -> RecordingService {
        let store: any RecordingStore = writes == .together ? h.store : TwoCallStore(h.store)
        return RecordingService(
            store: store, egress: h.liveKit, rooms: h.liveKit, storage: h.storage, configuration: h.configuration,
            roomNameDigest: RoomNameSlug.fnv1a, clock: h.clock, logger: Logger(label: "test", level: .trace, sink: h.logs))
    }

    static func noWait() -> RecordingServiceConfiguration {
        var configuration = RecordingServiceConfiguration()
        configuration.stopWaitSeconds = 0
        return configuration
    }

    @Test(arguments: Writes.allCases)
    func startWritesItsRecordWithTheAttach(_ writes: Writes) async throws {
        let h = Harness()
        let info = try await Self.service(h, writes).start(roomName: Harness.room, by: Harness.alice)

        let trail = await h.store.auditTrail
        #expect(trail.map(\.action) == ["start"])
        #expect(trail.first?.outcome == "ok")
        #expect(trail.first?.egressId == info.egressId)
        #expect(trail.first?.roomName == Harness.room)
        #expect(trail.first?.actor == "alice")
        #expect(trail.first?.remoteAddress == "10.0.0.1")
        #expect(await h.store.auditedUpdateCount == (writes == .together ? 1 : 0), "the attach carried the record")
    }

    @Test(arguments: Writes.allCases)
    func stopWithoutWaitWritesItsRecordWithLiveKitsAnswer(_ writes: Writes) async throws {
        let h = Harness(configuration: Self.noWait())
        let info = try await h.active()
        let before = await h.store.auditTrail.count
        let carriedBefore = await h.store.auditedUpdateCount

        let stopped = try await Self.service(h, writes).stop(egressId: info.egressId, by: Harness.bob)

        #expect(stopped.status == .ending)
        #expect(try await h.stored(info.egressId)?.stoppedBy == "bob")
        let added = await h.store.auditTrail.dropFirst(before)
        #expect(added.map(\.action) == ["stop"])
        #expect(added.first?.outcome == "ok")
        #expect(added.first?.egressId == info.egressId)
        #expect(added.first?.roomName == Harness.room)
        #expect(added.first?.actorKind == "participant")
        #expect(await h.store.auditedUpdateCount - carriedBefore == (writes == .together ? 1 : 0))
    }

    /// The wait can still fail, and then the failure is the stop's outcome: the record waits too.
    @Test func stopThatWaitsWritesItsRecordAfterTheWait() async throws {
        let h = Harness()
        let info = try await h.active()
        let liveKit = h.liveKit
        h.clock.onSleep { _ in if liveKit.snapshot(info.egressId)?.status == .ending { liveKit.end(info.egressId) } }
        let before = await h.store.auditTrail.count
        let carriedBefore = await h.store.auditedUpdateCount

        let stopped = try await Self.service(h, .together).stop(egressId: info.egressId, by: Harness.alice)

        #expect(stopped.status == .complete)
        let added = await h.store.auditTrail.dropFirst(before)
        #expect(added.map(\.outcome) == ["ok"])
        #expect(await h.store.auditedUpdateCount == carriedBefore)
    }

    @Test(arguments: Writes.allCases)
    func failedAttachIsAuditedOnceAsTheFailure(_ writes: Writes) async throws {
        let h = Harness()
        await h.store.failNextUpdate(with: .unavailable("disk full"))

        let error = await serviceError { try await Self.service(h, writes).start(roomName: Harness.room, by: Harness.alice) }

        #expect(error?.code == APIErrorCode.databaseUnavailable)
        let trail = await h.store.auditTrail
        #expect(trail.map(\.outcome) == [APIErrorCode.databaseUnavailable])
        #expect(h.liveKit.calls(.stop) == 1, "the untracked egress is stopped")
        #expect(await h.store.all.isEmpty, "the room is free again")
    }

    @Test(arguments: Writes.allCases)
    func failedStopWriteIsAuditedOnceAsTheFailure(_ writes: Writes) async throws {
        let h = Harness(configuration: Self.noWait())
        let info = try await h.active()
        let before = await h.store.auditTrail.count
        await h.store.failNextUpdate(with: .unavailable("disk full"))

        let error = await serviceError { try await Self.service(h, writes).stop(egressId: info.egressId, by: Harness.alice) }

        #expect(error?.code == APIErrorCode.databaseUnavailable)
        let added = await h.store.auditTrail.dropFirst(before)
        #expect(added.map(\.outcome) == [APIErrorCode.databaseUnavailable])
        #expect(added.first?.egressId == info.egressId)
        #expect(try await h.stored(info.egressId)?.status == .active, "nothing written")
    }

    @Test(arguments: Writes.allCases)
    func racingStartsAuditEachOutcomeOnce(_ writes: Writes) async throws {
        let h = Harness()
        let service = Self.service(h, writes)
        let winners = await withTaskGroup(of: String?.self) { group in
            for i in 0..<10 {
                group.addTask { try? await service.start(roomName: Harness.room, by: Caller(name: "c\(i)", kind: .operator)).egressId }
            }
            return await group.reduce(into: [String]()) { if let egressId = $1 { $0.append(egressId) } }
        }

        #expect(winners.count == 1)
        #expect(h.liveKit.calls(.start) == 1)
        let trail = await h.store.auditTrail
        #expect(trail.count == 10)
        #expect(trail.filter { $0.outcome == "ok" }.map(\.egressId) == winners)
        #expect(trail.filter { $0.outcome == APIErrorCode.alreadyRecording }.count == 9)
    }
}

/// A store without its own `update(_:appendingAudit:)`: the service gets the protocol's two calls.
final class TwoCallStore: RecordingStore {
    let base: InMemoryRecordingStore

    init(_ base: InMemoryRecordingStore) { self.base = base }

    func migrate() async throws { try await base.migrate() }
    func insert(_ recording: StoredRecording) async throws { try await base.insert(recording) }
    func update(_ recording: StoredRecording) async throws -> StoredRecording { try await base.update(recording) }
    func recording(id: String) async throws -> StoredRecording? { try await base.recording(id: id) }
    func recording(egressId: String) async throws -> StoredRecording? { try await base.recording(egressId: egressId) }
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
