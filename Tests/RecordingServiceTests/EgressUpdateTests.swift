import Foundation
import Logging
import Synchronization
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

@Suite("Egress updates from webhooks, polling and answers")
struct EgressUpdateTests {
    @Test func activeUpdateSetsLiveKitsStartTime() async throws {
        let h = Harness()
        let info = try await h.started()
        h.clock.advance(by: 3)
        let update = h.liveKit.activate(info.egressId)
        let applied = try #require(try await h.service().apply(update, from: .webhook))
        #expect(applied.status == .active)
        #expect(applied.startedAt == EpochMilliseconds(try #require(update.startedAt)))
        #expect(applied.startedAt != info.startedAt)
    }

    @Test func duplicateUpdateIsNotWritten() async throws {
        let h = Harness()
        let info = try await h.started()
        let update = h.liveKit.activate(info.egressId)
        try await h.service().apply(update, from: .webhook)
        let writes = await h.store.updateCount
        let again = try await h.service().apply(update, from: .webhook)
        #expect(again?.status == .active)
        #expect(await h.store.updateCount == writes)
    }

    @Test func outOfOrderUpdatesNeverGoBack() async throws {
        let h = Harness()
        let info = try await h.started()
        let active = h.liveKit.activate(info.egressId)
        let ended = h.liveKit.end(info.egressId)
        h.storage.put(key: try #require(info.file?.key), size: 5)
        try await h.service().apply(ended, from: .webhook)
        try await h.service().apply(active, from: .webhook)  // delivered late
        #expect(try await h.stored(info.egressId)?.status == .complete)
    }

    @Test func staleUpdateIsIgnored() async throws {
        let h = Harness()
        let info = try await h.active()
        var stale = try #require(h.liveKit.snapshot(info.egressId))
        stale.status = .ending
        stale.updatedAtNanos -= 10
        try await h.service().apply(stale, from: .webhook)
        #expect(try await h.stored(info.egressId)?.status == .active)
    }

    @Test func failedEgressFreesTheRoom() async throws {
        let h = Harness()
        let info = try await h.active()
        let failed = h.liveKit.end(info.egressId, as: .failed, error: "Start signal not received")
        let applied = try await h.service().apply(failed, from: .webhook)
        #expect(applied?.status == .failed)
        #expect(applied?.error == "Start signal not received")
        #expect(applied?.endedAt != nil)
        let next = try await h.started()
        #expect(next.egressId != info.egressId)
    }

    @Test func completeWithoutUploadedFileIsFlagged() async throws {
        let h = Harness()
        let info = try await h.active()
        let applied = try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)
        #expect(applied?.status == .complete, "still COMPLETE: LiveKit says so")
        #expect(applied?.file?.missing == true)
        #expect(applied?.error?.contains("did not arrive") == true)
        #expect(h.logs.captured.contains { $0.level == .error && $0.metadata["egress.id"] == info.egressId })
    }

    @Test func completeWithEmptyFileIsFlagged() async throws {
        let h = Harness()
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 0)
        let applied = try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)
        #expect(applied?.file?.missing == true)
    }

    @Test func egressStartedOutsideTheAPIIsRecorded() async throws {
        let h = Harness(rooms: ["other"])
        let external = h.liveKit.startExternal(roomName: "other")
        let applied = try #require(try await h.service().apply(external, from: .webhook))
        #expect(applied.egressId == external.egressId)
        #expect(applied.status == .active)
        #expect(applied.startedBy == nil)
        let error = await serviceError { try await h.service().start(roomName: "other", by: Harness.alice) }
        #expect(error?.egressId == external.egressId, "it holds the room like ours")
    }

    @Test func secondActiveEgressInOurRoomIsOnlyStoredOnceEnded() async throws {
        let h = Harness()
        let ours = try await h.active()
        let external = h.liveKit.startExternal(roomName: Harness.room)
        #expect(try await h.service().apply(external, from: .webhook) == nil)
        #expect(try await h.stored(external.egressId) == nil)
        #expect(try await h.stored(ours.egressId)?.status == .active)
        let ended = h.liveKit.end(external.egressId, as: .aborted)
        let stored = try await h.service().apply(ended, from: .webhook)
        #expect(stored?.status == .aborted)
    }
}

@Suite("Status changes are observable (metrics count them)")
struct StatusObserverTests {
    @Test func everyWrittenStatusChangeIsReportedOnce() async throws {
        let h = Harness()
        let seen = Mutex<[String]>([])
        let service = RecordingService(
            store: h.store, egress: h.liveKit, rooms: h.liveKit, storage: h.storage, configuration: h.configuration,
            roomNameDigest: RoomNameSlug.fnv1a, clock: h.clock, logger: .discarding,
            statusObserver: { recording, previous in seen.withLock { $0.append("\(previous.rawValue)>\(recording.status.rawValue)") } })
        let info = try await service.start(roomName: Harness.room, by: Harness.alice)
        let active = h.liveKit.activate(info.egressId)
        try await service.apply(active, from: .webhook)
        try await service.apply(active, from: .webhook)  // a repeated delivery is not a change
        h.storage.put(key: try #require(info.file?.key), size: 5)
        try await service.apply(h.liveKit.end(info.egressId), from: .webhook)
        #expect(seen.withLock { $0 } == ["EGRESS_STARTING>EGRESS_ACTIVE", "EGRESS_ACTIVE>EGRESS_COMPLETE"])
    }
}
