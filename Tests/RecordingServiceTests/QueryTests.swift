import Foundation
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

@Suite("Status, list, rooms, layout, delete and download")
struct QueryTests {
    @Test func statusRefreshesAStaleRunningRecording() async throws {
        let h = Harness()
        let info = try await h.started()
        h.liveKit.activate(info.egressId)  // the webhook never came
        h.clock.advance(by: 2)
        let fresh = try await h.service().status(egressId: info.egressId)
        #expect(fresh.status == .starting, "recent enough: answered from the store")
        #expect(h.liveKit.calls(.listEgress) == 0)
        h.clock.advance(by: 4)
        let refreshed = try await h.service().status(egressId: info.egressId)
        #expect(refreshed.status == .active)
        #expect(h.liveKit.calls(.listEgress) == 1)
    }

    @Test func statusWhileLiveKitIsDownAnswersWhatWeHave() async throws {
        let h = Harness()
        let info = try await h.started()
        h.clock.advance(by: 60)
        h.liveKit.setUnavailable(true)
        let answer = try await h.service().status(egressId: info.egressId)
        #expect(answer.status == .starting)
        #expect(answer.startedAt == info.startedAt)
    }

    @Test func statusOfUnknown() async throws {
        let h = Harness()
        let error = await serviceError { try await h.service().status(egressId: "EG_x") }
        #expect(error?.code == APIErrorCode.notFound)
        #expect(error?.kind == .notFound)
    }

    /// Five ended recordings of five rooms, a second apart; returns egress ids oldest first.
    func history(_ h: Harness) async throws -> [String] {
        var ids: [String] = []
        for i in 0..<5 {
            h.liveKit.addRoom("room-\(i)")
            let info = try await h.started("room-\(i)")
            try await h.service().apply(h.liveKit.end(info.egressId, as: .failed), from: .webhook)
            ids.append(info.egressId)
            h.clock.advance(by: 1)
        }
        return ids
    }

    @Test func listIsNewestFirstAndPages() async throws {
        let h = Harness()
        let ids = try await history(h)
        let service = h.service()
        let first = try await service.list(limit: 2)
        let second = try await service.list(limit: 2, cursor: first.nextCursor)
        let third = try await service.list(limit: 2, cursor: second.nextCursor)
        #expect((first.recordings + second.recordings + third.recordings).map(\.egressId) == ids.reversed())
        #expect(third.nextCursor == nil)
        #expect(try await service.list(roomName: "room-3").recordings.map(\.egressId) == [ids[3]])
        #expect(try await service.list(activeOnly: true).recordings.isEmpty)
        #expect(try await service.list(limit: 10_000).recordings.count == 5, "above 500 is capped, not refused")
    }

    @Test("bad list parameters", arguments: [0, -1])
    func badLimit(_ limit: Int) async throws {
        let h = Harness()
        let error = await serviceError { try await h.service().list(limit: limit) }
        #expect(error?.code == APIErrorCode.invalidField)
        #expect(error?.message.contains("limit") == true)
    }

    @Test func badCursor() async throws {
        let h = Harness()
        let error = await serviceError { try await h.service().list(cursor: "garbage") }
        #expect(error?.code == APIErrorCode.invalidField)
        #expect(error?.message.contains("cursor") == true)
    }

    @Test func reservationsAreNotListed() async throws {
        let h = Harness()
        let at = EpochMilliseconds(h.clock.now)
        try await h.store.insert(
            StoredRecording(id: "res", egressId: nil, roomName: "r", layout: nil, status: .starting, startedAt: at, createdAt: at, updatedAt: at))
        #expect(try await h.service().list().recordings.isEmpty)
    }

    @Test func layoutChangeWhileRecording() async throws {
        let h = Harness()
        let info = try await h.active()
        let changed = try await h.service().updateLayout(egressId: info.egressId, layout: "speaker-dark", by: Harness.alice)
        #expect(changed.layout == .speakerDark)
        #expect(h.liveKit.layout(of: info.egressId) == .speakerDark)
        #expect(try await h.stored(info.egressId)?.layout == .speakerDark)
        #expect(await h.store.auditTrail.last?.action == "layout")
    }

    @Test func layoutChangeAfterTheEnd() async throws {
        let h = Harness()
        let info = try await h.active()
        try await h.service().apply(h.liveKit.end(info.egressId, as: .failed), from: .webhook)
        let error = await serviceError { try await h.service().updateLayout(egressId: info.egressId, layout: "grid-light", by: Harness.alice) }
        #expect(error?.code == APIErrorCode.notActive)
        #expect(h.liveKit.calls(.updateLayout) == 0)
        let bad = await serviceError { try await h.service().updateLayout(egressId: info.egressId, layout: "mosaic", by: Harness.alice) }
        #expect(bad?.code == APIErrorCode.invalidLayout)
        #expect(await h.store.auditTrail.suffix(2).map(\.outcome) == [APIErrorCode.notActive, APIErrorCode.invalidLayout])
    }

    @Test func roomsWithParticipantsAndRecordings() async throws {
        let h = Harness(rooms: [Harness.room, "quiet"])
        let info = try await h.started()
        let rooms = try await h.service().rooms()
        #expect(rooms.map(\.name) == [Harness.room, "quiet"])
        #expect(rooms[0].participants == ["alice", "bob"])
        #expect(rooms[0].recording)
        #expect(rooms[0].egressId == info.egressId)
        #expect(!rooms[1].recording)
        #expect(rooms[1].egressId == nil)
    }

    @Test func deleteAnEndedRecording() async throws {
        let h = Harness()
        let info = try await h.active()
        let key = try #require(info.file?.key)
        h.storage.put(key: key, size: 10)
        try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)
        let deleted = try await h.service().delete(egressId: info.egressId, by: Harness.alice)
        #expect(deleted.egressId == info.egressId)
        #expect(h.storage.object(key: key) == nil)
        #expect(try await h.stored(info.egressId) == nil)
        let again = await serviceError { try await h.service().delete(egressId: info.egressId, by: Harness.alice) }
        #expect(again?.code == APIErrorCode.notFound)
        #expect(await h.store.auditTrail.suffix(2).map(\.outcome) == ["ok", APIErrorCode.notFound])
    }

    @Test func deleteWithTheFileAlreadyGone() async throws {
        let h = Harness()
        let info = try await h.active()
        try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)
        _ = try await h.service().delete(egressId: info.egressId, by: Harness.alice)
        #expect(try await h.stored(info.egressId) == nil)
    }

    @Test func deleteWhileRecordingIsRefused() async throws {
        let h = Harness()
        let info = try await h.active()
        let error = await serviceError { try await h.service().delete(egressId: info.egressId, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.recordingActive)
        #expect(try await h.stored(info.egressId) != nil)
        #expect(await h.store.auditTrail.last?.roomName == Harness.room, "a refused delete still names the room")
        #expect(h.storage.deletedKeys.isEmpty)
    }

    @Test func deleteKeepsTheRowWhenTheBucketFails() async throws {
        let h = Harness()
        let info = try await h.active()
        try await h.service().apply(h.liveKit.end(info.egressId, as: .failed), from: .webhook)
        h.storage.fail(with: .unavailable("503"))
        let error = await serviceError { try await h.service().delete(egressId: info.egressId, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.storageUnavailable)
        #expect(try await h.stored(info.egressId) != nil)
    }

    @Test func downloadLinkOfACompleteRecording() async throws {
        let h = Harness()
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 99)
        try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)
        let link = try await h.service().downloadLink(egressId: info.egressId, ttlSeconds: 600)
        #expect(link.expiresAt == EpochMilliseconds(h.clock.now.addingTimeInterval(600)))
        let hash = RoomNameSlug.fnv1a(Harness.room).prefix(8)
        #expect(link.fileName == "abc123-example.org-\(hash)_20240127T120002Z.mp4")
        #expect(link.url.absoluteString.contains("X-Amz-Expires=600"))
    }

    @Test func downloadLinkNotReady() async throws {
        let h = Harness()
        let info = try await h.active()
        let running = await serviceError { try await h.service().downloadLink(egressId: info.egressId) }
        #expect(running?.code == APIErrorCode.notReady)
        try await h.service().apply(h.liveKit.end(info.egressId, as: .failed), from: .webhook)
        let failed = await serviceError { try await h.service().downloadLink(egressId: info.egressId) }
        #expect(failed?.code == APIErrorCode.notReady)
    }

    @Test func downloadLinkOfAMissingFile() async throws {
        let h = Harness()
        let info = try await h.active()
        try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)  // upload never arrived
        let error = await serviceError { try await h.service().downloadLink(egressId: info.egressId) }
        #expect(error?.code == APIErrorCode.fileMissing)
    }

    @Test func downloadLinkWhenTheFileVanishedLater() async throws {
        let h = Harness()
        let info = try await h.active()
        let key = try #require(info.file?.key)
        h.storage.put(key: key, size: 99)
        try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)
        try await h.storage.delete(key: key)
        let error = await serviceError { try await h.service().downloadLink(egressId: info.egressId) }
        #expect(error?.code == APIErrorCode.fileMissing)
    }
}
