import Foundation
import Logging
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

/// Start and stop save store round trips (bench/README.md), with the answers and
/// guarantees of doing one step after the other.
@Suite("Overlapping a start's and a stop's steps")
struct OverlapTests {
    /// A room lookup that answers only once the reservation is in the store: a start that
    /// waited for the lookup before reserving would never get its answer.
    struct RoomsAnsweringAfterTheReservation: LiveKitRooms {
        let liveKit: FakeLiveKit
        let store: InMemoryRecordingStore

        func listRooms(names: [String]?) async throws(LiveKitFailure) -> [RoomSnapshot] {
            // Counted polls, not a deadline: the lookup now runs first and the reservation in a
            // child task, and a full parallel test run can stall the shared pool for seconds.
            for _ in 0..<2_000 {
                if let room = names?.first, (try? await store.activeRecording(roomName: room)) != nil {
                    return try await liveKit.listRooms(names: names)
                }
                try? await Task.sleep(for: .milliseconds(1))
            }
            throw .unavailable("the reservation was not written while the room was looked up")
        }

        func listParticipants(roomName: String) async throws(LiveKitFailure) -> [ParticipantSnapshot] {
            try await liveKit.listParticipants(roomName: roomName)
        }
    }

    @Test func theRoomIsLookedUpWhileTheReservationIsWritten() async throws {
        let h = Harness()
        let service = RecordingService(
            store: h.store, egress: h.liveKit, rooms: RoomsAnsweringAfterTheReservation(liveKit: h.liveKit, store: h.store),
            storage: h.storage, roomNameDigest: RoomNameSlug.fnv1a, clock: h.clock, logger: .discarding)
        let info = try await service.start(roomName: Harness.room, by: Harness.alice)
        #expect(info.status == .starting)
        #expect(h.liveKit.calls(.start) == 1)
    }

    @Test func aMissingRoomIsTheAnswerEvenWhenTheRoomLooksBusy() async throws {
        let h = Harness()
        let at = EpochMilliseconds(h.clock.now)
        let stale = StoredRecording(
            id: "stale", egressId: "EG_stale", roomName: "gone", layout: .gridDark, status: .active, startedAt: at, createdAt: at,
            updatedAt: at)
        try await h.store.insert(stale)
        let error = await serviceError { try await h.service().start(roomName: "gone", by: Harness.alice) }
        #expect(error?.code == APIErrorCode.roomNotFound)
        #expect(await h.store.all == [stale], "the other recording is untouched")
        #expect(h.liveKit.calls(.start) == 0)
    }

    @Test func aReservationForARoomLiveKitCannotConfirmIsReleased() async throws {
        let h = Harness()
        h.liveKit.failNext(.listRooms, with: .unavailable("no response from servers"))
        let error = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.livekitUnavailable)
        #expect(await h.store.all.isEmpty)
        #expect(h.liveKit.calls(.start) == 0)
    }

    /// Egress whose stop lets a webhook land first (it moves the row on, bumping its version).
    struct EgressWithAWebhookDuringStop: LiveKitEgress {
        let liveKit: FakeLiveKit
        let webhook: @Sendable (EgressSnapshot) async -> Void

        func startRoomComposite(_ request: RoomCompositeRecordingRequest) async throws(LiveKitFailure) -> EgressSnapshot {
            try await liveKit.startRoomComposite(request)
        }

        func stopEgress(egressId: String) async throws(LiveKitFailure) -> EgressSnapshot {
            await webhook(liveKit.activate(egressId))
            return try await liveKit.stopEgress(egressId: egressId)
        }

        func listEgress(roomName: String?, egressId: String?, activeOnly: Bool) async throws(LiveKitFailure) -> [EgressSnapshot] {
            try await liveKit.listEgress(roomName: roomName, egressId: egressId, activeOnly: activeOnly)
        }

        func updateLayout(egressId: String, layout: RecordingLayout) async throws(LiveKitFailure) -> EgressSnapshot {
            try await liveKit.updateLayout(egressId: egressId, layout: layout)
        }
    }

    @Test func aStopWritingOnTheRowItReadKeepsAWebhookThatLandedMeanwhile() async throws {
        let h = Harness()
        let info = try await h.started()
        let plain = h.service()
        let egress = EgressWithAWebhookDuringStop(liveKit: h.liveKit) { snapshot in _ = try? await plain.apply(snapshot, from: .webhook) }
        let service = RecordingService(
            store: h.store, egress: egress, rooms: h.liveKit, storage: h.storage,
            configuration: RecordingServiceConfiguration(stopWaitSeconds: 0), roomNameDigest: RoomNameSlug.fnv1a, clock: h.clock,
            logger: .discarding)
        // The webhook's start time (egress active) is later than the start's own.
        h.clock.advance(by: 7)
        let webhookStart = EpochMilliseconds(h.clock.now)
        let stopped = try await service.stop(egressId: info.egressId, by: Harness.bob)
        #expect(stopped.status == .ending)
        #expect(stopped.stoppedBy == "bob")
        #expect(info.startedAt != webhookStart)
        #expect(stopped.startedAt == webhookStart, "the webhook's start time survives the stop's write")
        let row = try #require(try await h.stored(info.egressId))
        #expect(row.status == .ending)
        #expect(row.startedAt == webhookStart)
        #expect(row.stoppedBy == "bob")
    }
}
