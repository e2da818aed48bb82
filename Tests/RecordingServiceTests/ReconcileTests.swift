import Foundation
import Synchronization
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

@Suite("Reconcile with LiveKit, and retention")
struct ReconcileTests {
    @Test func appliesMissedWebhooks() async throws {
        let h = Harness()
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 7)
        h.liveKit.end(info.egressId)
        let summary = try await h.service().reconcileOnce()
        #expect(summary.ran)
        #expect(summary.examined == 1)
        #expect(summary.updated == 1)
        let stored = try #require(try await h.stored(info.egressId))
        #expect(stored.status == .complete)
        #expect(stored.fileSize == 7)
    }

    @Test func nothingToCorrect() async throws {
        let h = Harness()
        _ = try await h.active()
        let summary = try await h.service().reconcileOnce()
        #expect(summary.corrections == 0)
        #expect(summary.examined == 1)
    }

    @Test func egressLiveKitForgotIsMarkedFailedAndFreesTheRoom() async throws {
        let h = Harness()
        let info = try await h.active()
        h.liveKit.forget(info.egressId)
        let summary = try await h.service().reconcileOnce()
        #expect(summary.markedGone == 1)
        let stored = try #require(try await h.stored(info.egressId))
        #expect(stored.status == .failed)
        #expect(stored.endedAt != nil)
        #expect(stored.error?.isEmpty == false)
        _ = try await h.started()
    }

    @Test func stuckStartIsStoppedAndFailed() async throws {
        let h = Harness()
        let info = try await h.started()
        h.clock.advance(by: 60)
        #expect(try await h.service().reconcileOnce().stuckStartsFailed == 0, "not yet past the timeout")
        h.clock.advance(by: 61)
        let summary = try await h.service().reconcileOnce()
        #expect(summary.stuckStartsFailed == 1)
        #expect(h.liveKit.calls(.stop) == 1)
        let stored = try #require(try await h.stored(info.egressId))
        #expect(stored.status == .failed)
        #expect(stored.error?.contains("120 seconds") == true)
        let audit = try #require(await h.store.auditTrail.last)
        #expect(audit.actor == "reconcile")
        #expect(audit.actorKind == "system")
        #expect(audit.egressId == info.egressId)
    }

    func leftoverReservation(_ h: Harness, room: String = Harness.room) async throws -> StoredRecording {
        let at = EpochMilliseconds(h.clock.now)
        let reservation = StoredRecording(
            id: "crashed", egressId: nil, roomName: room, layout: .gridDark, status: .starting, startedAt: at, fileKey: "recordings/x.mp4",
            startedBy: "alice", createdAt: at, updatedAt: at)
        try await h.store.insert(reservation)
        return reservation
    }

    @Test func reservationOfACrashedStartAdoptsItsEgress() async throws {
        let h = Harness()
        _ = try await leftoverReservation(h)
        let orphan = h.liveKit.startExternal(roomName: Harness.room)  // LiveKit started it, we never stored the id
        h.clock.advance(by: 30)
        #expect(try await h.service().reconcileOnce().corrections == 0, "a start may still be in flight")
        h.clock.advance(by: 31)
        let summary = try await h.service().reconcileOnce()
        #expect(summary.reservationsAdopted == 1)
        let stored = try #require(try await h.store.recording(id: "crashed"))
        #expect(stored.egressId == orphan.egressId)
        #expect(stored.status == .active)
        #expect(stored.startedBy == "alice")
    }

    @Test func reservationWithoutEgressIsRemoved() async throws {
        let h = Harness()
        _ = try await leftoverReservation(h)
        h.clock.advance(by: 61)
        let summary = try await h.service().reconcileOnce()
        #expect(summary.reservationsRemoved == 1)
        #expect(await h.store.all.isEmpty)
        _ = try await h.started()
    }

    @Test func maxDurationIsEnforcedAcrossARestart() async throws {
        let h = Harness()
        let info = try await h.active(maxDurationSeconds: 60)
        // The process restarts: a new service instance, same database.
        let restarted = h.service(instanceId: "replica-after-restart")
        h.clock.advance(by: 30)
        #expect(try await restarted.reconcileOnce().stoppedForMaxDuration == 0)
        h.clock.advance(by: 31)
        let summary = try await restarted.reconcileOnce()
        #expect(summary.stoppedForMaxDuration == 1)
        #expect(h.liveKit.calls(.stop) == 1)
        let stored = try #require(try await h.stored(info.egressId))
        #expect(stored.status == .ending)
        #expect(stored.stoppedBy == "max-duration")
        #expect(await h.store.auditTrail.last?.actorKind == "system")
    }

    @Test func liveKitDownChangesNothing() async throws {
        let h = Harness()
        let info = try await h.active()
        h.clock.advance(by: 100_000)
        h.liveKit.setUnavailable(true)
        let summary = try await h.service().reconcileOnce()
        #expect(!summary.ran)
        #expect(summary.corrections == 0)
        #expect(try await h.stored(info.egressId)?.status == .active)
    }

    @Test func onlyTheLeaseHolderReconciles() async throws {
        let h = Harness()
        let info = try await h.active()
        h.liveKit.end(info.egressId, as: .failed)
        let first = try await h.service(instanceId: "a").reconcileOnce()
        #expect(first.ran)
        let second = try await h.service(instanceId: "b").reconcileOnce()
        #expect(!second.ran)
        #expect(second.skippedReason?.contains("lease") == true)
        h.clock.advance(by: 61)
        #expect(try await h.service(instanceId: "b").reconcileOnce().ran, "an expired lease passes on")
    }

    @Test func loopRunsUntilCancelled() async throws {
        let h = Harness()
        let info = try await h.active()
        h.liveKit.end(info.egressId, as: .failed)
        let service = h.service()
        let corrections = Mutex(0)
        let loop = Task { await service.runReconcileLoop { round in corrections.withLock { $0 += (try? round.get())?.corrections ?? 0 } } }
        for _ in 0..<1_000 where try await h.stored(info.egressId)?.status != .failed {
            await Task.yield()
        }
        loop.cancel()
        await loop.value
        #expect(try await h.stored(info.egressId)?.status == .failed)
        #expect(corrections.withLock { $0 } >= 1, "each round is reported, so /metrics can count corrections")
    }

    @Test func retentionRemovesOldEndedRecordingsOnly() async throws {
        let h = Harness(rooms: ["old", "running", "recent"])
        let old = try await h.started("old")
        h.storage.put(key: try #require(old.file?.key), size: 1)
        try await h.service().apply(h.liveKit.end(old.egressId), from: .webhook)
        let running = try await h.started("running")
        h.clock.advance(by: 40 * 86_400)
        let recent = try await h.started("recent")
        try await h.service().apply(h.liveKit.end(recent.egressId, as: .failed), from: .webhook)

        let summary = try await h.service().sweepRetention(olderThanDays: 30)
        #expect(summary.removed.map(\.egressId) == [old.egressId])
        #expect(h.storage.object(key: try #require(old.file?.key)) == nil)
        #expect(try await h.stored(old.egressId) == nil)
        #expect(try await h.stored(running.egressId) != nil)
        #expect(try await h.stored(recent.egressId) != nil)
        #expect(await h.store.auditTrail.last?.action == "retention_delete")
    }
}
