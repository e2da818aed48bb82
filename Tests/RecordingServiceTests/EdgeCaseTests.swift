import Foundation
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

@Suite("Races and odd orders")
struct EdgeCaseTests {
    @Test func webhookThatBeatsTheStartIsCaughtUpByStatus() async throws {
        let h = Harness()
        // Reserve as a start would, and let LiveKit's webhook arrive before the egress id is attached.
        let at = EpochMilliseconds(h.clock.now)
        try await h.store.insert(
            StoredRecording(
                id: "ours", egressId: nil, roomName: Harness.room, layout: .gridDark, status: .starting, startedAt: at, createdAt: at,
                updatedAt: at))
        let external = h.liveKit.startExternal(roomName: Harness.room, status: .active)
        #expect(try await h.service().apply(external, from: .webhook) == nil, "the reservation holds the room")
        // The start attaches the id (as `attach` does); a later status call catches up with LiveKit.
        var row = try #require(try await h.store.recording(id: "ours"))
        row.egressId = external.egressId
        _ = try await h.store.update(row)
        h.clock.advance(by: 6)
        let status = try await h.service().status(egressId: external.egressId)
        #expect(status.status == .active)
        #expect(status.startedAt == EpochMilliseconds(try #require(external.startedAt)))
    }

    @Test func stopSeesTheWebhookEvenWhenLiveKitCannotBeAsked() async throws {
        let h = Harness()
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 3)
        let liveKit = h.liveKit
        let service = h.service()
        h.clock.onSleep { _ in
            // LiveKit stops answering; its egress_ended webhook still arrives.
            guard liveKit.snapshot(info.egressId)?.status == .ending else { return }
            liveKit.setUnavailable(true)
            _ = try? await service.apply(liveKit.end(info.egressId), from: .webhook)
        }
        let stopped = try await service.stop(egressId: info.egressId, by: Harness.alice)
        #expect(stopped.status == .complete)
        #expect(stopped.stoppedBy == "alice")
    }

    @Test func roomsWhileLiveKitIsDown() async throws {
        let h = Harness()
        h.liveKit.setUnavailable(true)
        let error = await serviceError { try await h.service().rooms() }
        #expect(error?.code == APIErrorCode.livekitUnavailable)
    }

    @Test func wireFormOfAStoredRecording() throws {
        let stored = StoredRecording(
            id: "r", egressId: "EG_1", roomName: "!a:b", layout: .speakerDark, audioOnly: true, status: .complete,
            startedAt: EpochMilliseconds(1_000), endedAt: EpochMilliseconds(2_000), error: "late upload", fileKey: "recordings/a.mp4",
            fileSize: 9, fileDurationMs: 1_000, fileMissing: true, startedBy: "alice", stoppedBy: "bob", createdAt: EpochMilliseconds(900),
            updatedAt: EpochMilliseconds(2_000))
        let info = RecordingInfo(stored: stored)
        #expect(
            info
                == RecordingInfo(
                    egressId: "EG_1", roomName: "!a:b", status: .complete, startedAt: EpochMilliseconds(1_000),
                    endedAt: EpochMilliseconds(2_000), error: "late upload", layout: .speakerDark, audioOnly: true,
                    file: RecordingFile(key: "recordings/a.mp4", size: 9, durationMs: 1_000, missing: true), startedBy: "alice",
                    stoppedBy: "bob"))
    }

    @Test func theStoryOfARecordingIsLogged() async throws {
        let h = Harness()
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 3)
        try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)
        let story = h.logs.captured.filter { $0.metadata["egress.id"] == info.egressId && $0.metadata["room"] == Harness.room }
        #expect(story.contains { $0.message.contains("EGRESS_STARTING → EGRESS_ACTIVE") })
        #expect(story.contains { $0.message.contains("file stored") && $0.metadata["file.key"] == info.file?.key })
        #expect(h.logs.captured.contains { $0.message.contains("requested by operator alice") })
    }
}

@Suite("Audit trail")
struct AuditTrailTests {
    @Test func newestFirstFilteredAndPaged() async throws {
        let h = Harness(rooms: [Harness.room, "other"])
        let info = try await h.started()
        h.clock.advance(by: 1)
        _ = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.bob) }
        h.clock.advance(by: 1)
        _ = try await h.started("other")
        let service = h.service()
        let page = try await service.auditTrail(roomName: Harness.room, limit: 1)
        #expect(page.entries.map(\.outcome) == [APIErrorCode.alreadyRecording])
        #expect(page.entries.first?.actor == "bob")
        let rest = try await service.auditTrail(roomName: Harness.room, limit: 1, cursor: page.nextCursor)
        #expect(rest.entries.map(\.egressId) == [info.egressId])
        #expect(rest.nextCursor == nil)
        #expect(try await service.auditTrail().entries.count == 3)
        let bad = await serviceError { try await service.auditTrail(cursor: "nope") }
        #expect(bad?.code == APIErrorCode.invalidField)
    }
}
