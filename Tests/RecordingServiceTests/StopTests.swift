import Foundation
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

@Suite("Stopping a recording")
struct StopTests {
    @Test func unknownEgress() async throws {
        let h = Harness()
        let error = await serviceError { try await h.service().stop(egressId: "EG_nope", by: Harness.alice) }
        #expect(error?.code == APIErrorCode.notFound)
        #expect(await h.store.auditTrail.last?.outcome == APIErrorCode.notFound)
    }

    @Test func stopWaitsForCompleteWithFile() async throws {
        let h = Harness()
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 123_456)
        let liveKit = h.liveKit
        let egressId = info.egressId
        // Egress finishes the upload about a second after the stop.
        h.clock.onSleep { _ in
            if liveKit.snapshot(egressId)?.status == .ending { liveKit.end(egressId) }
        }
        let stopped = try await h.service().stop(egressId: egressId, by: Harness.bob)
        #expect(stopped.status == .complete)
        #expect(stopped.endedAt != nil)
        #expect(stopped.stoppedBy == "bob")
        #expect(stopped.file?.size == 123_456, "size from the bucket")
        #expect(stopped.file?.durationMs == 5_000)
        #expect(stopped.file?.missing == false)
        #expect(h.liveKit.calls(.stop) == 1)
        let audit = try #require(await h.store.auditTrail.last)
        #expect(audit.action == "stop")
        #expect(audit.outcome == "ok")
        #expect(audit.roomName == Harness.room)
        #expect(audit.actorKind == "participant")
    }

    @Test func stopAnswersEndingWhenEgressTakesLonger() async throws {
        var configuration = RecordingServiceConfiguration()
        configuration.stopWaitSeconds = 3
        let h = Harness(configuration: configuration)
        let info = try await h.active()
        let before = h.clock.now
        let stopped = try await h.service().stop(egressId: info.egressId, by: Harness.alice)
        #expect(stopped.status == .ending)
        #expect(stopped.endedAt == nil)
        #expect(h.clock.now.timeIntervalSince(before) >= 3, "it waited the configured time")
        #expect(h.clock.now.timeIntervalSince(before) < 4)
    }

    @Test func stopTwiceAnswersTheFinalState() async throws {
        let h = Harness()
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 10)
        let liveKit = h.liveKit
        h.clock.onSleep { _ in if liveKit.snapshot(info.egressId)?.status == .ending { liveKit.end(info.egressId) } }
        let first = try await h.service().stop(egressId: info.egressId, by: Harness.alice)
        let second = try await h.service().stop(egressId: info.egressId, by: Harness.bob)
        #expect(first.status == .complete)
        #expect(second == first)
        #expect(h.liveKit.calls(.stop) == 1)
        #expect(second.stoppedBy == "alice")
    }

    @Test func endedInLiveKitButNotHere() async throws {
        let h = Harness()
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 10)
        h.liveKit.end(info.egressId)  // the egress_ended webhook was lost
        let stopped = try await h.service().stop(egressId: info.egressId, by: Harness.alice)
        #expect(stopped.status == .complete)
        #expect(stopped.endedAt != nil)
        #expect(h.liveKit.calls(.stop) == 1)
    }

    @Test func liveKitForgotTheEgress() async throws {
        let h = Harness()
        let info = try await h.active()
        h.liveKit.forget(info.egressId)
        let stopped = try await h.service().stop(egressId: info.egressId, by: Harness.alice)
        #expect(stopped.status == .failed)
        #expect(stopped.error?.contains("LiveKit no longer knows") == true)
        _ = try await h.started()  // the room is free again
    }

    @Test func liveKitDownDuringStop() async throws {
        let h = Harness()
        let info = try await h.active()
        h.liveKit.failNext(.stop, with: .unavailable("timeout"))
        let error = await serviceError { try await h.service().stop(egressId: info.egressId, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.livekitUnavailable)
        #expect(try await h.stored(info.egressId)?.status == .active)
        #expect(await h.store.auditTrail.last?.outcome == APIErrorCode.livekitUnavailable)
        // LiveKit is back: the same stop works.
        let stopped = try await h.service().stop(egressId: info.egressId, by: Harness.alice)
        #expect(stopped.status == .ending)
    }
}
