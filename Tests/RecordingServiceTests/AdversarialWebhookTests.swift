import Foundation
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

/// Webhooks arrive late, twice, or after the user acted (LiveKit retries deliveries and
/// does not order them); what the user did must stick.
@Suite("Adversarial: late and duplicate webhooks")
struct AdversarialWebhookTests {
    /// Ends a recording (COMPLETE, file in the bucket) and returns the final webhook's snapshot.
    static func completed(_ h: Harness) async throws -> (RecordingInfo, EgressSnapshot) {
        let info = try await h.active()
        h.storage.put(key: try #require(info.file?.key), size: 4096)
        let ended = h.liveKit.end(info.egressId)
        try await h.service().apply(ended, from: .webhook)
        return (try await h.service().status(egressId: info.egressId), ended)
    }

    @Test func aDuplicateEndedWebhookAfterADeleteDoesNotBringTheRecordingBack() async throws {
        let h = Harness()
        let (info, ended) = try await Self.completed(h)
        #expect(info.status == .complete)
        _ = try await h.service().delete(egressId: info.egressId, by: Harness.alice)

        // LiveKit's retry of `egress_ended` lands after the delete.
        let replayed = try await h.service().apply(ended, from: .webhook)

        #expect(replayed == nil)
        #expect(try await h.stored(info.egressId) == nil, "a deleted recording came back from a replayed webhook")
        let listed = try await h.service().list(roomName: Harness.room, status: nil, activeOnly: false, limit: nil, cursor: nil)
        #expect(!listed.recordings.contains { $0.egressId == info.egressId })
        // The delete is on the trail once (written with the row's removal, not again after it).
        let deletes = await h.store.auditTrail.filter { $0.action == "delete" && $0.egressId == info.egressId }
        #expect(deletes.map(\.outcome) == ["ok"])
    }

    /// A client retrying the delete (or a stop) of the gone id adds a failure record each
    /// time: the delete's record must still be found however many come after it.
    @Test func aReplayedWebhookAfterManyFailedCallsOnTheDeletedIdDoesNotBringItBack() async throws {
        let h = Harness()
        let (info, ended) = try await Self.completed(h)
        _ = try await h.service().delete(egressId: info.egressId, by: Harness.alice)
        for _ in 0..<60 {
            h.clock.advance(by: 1)  // each failure newer than the delete, as in real time
            await #expect(throws: RecordingServiceError.self) { try await h.service().delete(egressId: info.egressId, by: Harness.alice) }
        }

        #expect(try await h.service().apply(ended, from: .webhook) == nil)
        #expect(try await h.stored(info.egressId) == nil, "a deleted recording came back after 60 failed deletes")
    }

    @Test func aLateUpdatedWebhookAfterADeleteDoesNotBringTheRecordingBackEither() async throws {
        let h = Harness()
        let info = try await h.active()
        let activeAgain = try #require(h.liveKit.snapshot(info.egressId))
        h.storage.put(key: try #require(info.file?.key), size: 4096)
        try await h.service().apply(h.liveKit.end(info.egressId), from: .webhook)
        _ = try await h.service().delete(egressId: info.egressId, by: Harness.alice)

        // An `egress_updated` (ACTIVE) delivered out of order, after the end and the delete.
        let replayed = try await h.service().apply(activeAgain, from: .webhook)

        #expect(replayed == nil)
        #expect(try await h.stored(info.egressId) == nil)
        // The room is not held by a ghost: a new recording can start.
        let next = try await h.started()
        #expect(next.egressId != info.egressId)
    }
}
