import Foundation
import RecordingModels
import RecordingService
import Testing
import TestSupport

/// Found end to end: LiveKit answers UpdateLayout on a STARTING egress with not_found
/// "participant does not exist" (the recorder joins only once ACTIVE), and the API said
/// the recording was EGRESS_ENDING and could "no longer" change.
@Suite("Layout change while the egress is still starting")
struct LayoutWhileStartingTests {
    @Test func isNotYetRatherThanEnded() async throws {
        let h = Harness()
        let info = try await h.started()
        h.liveKit.failNext(.updateLayout, with: .notFound("participant does not exist"))
        let error = await serviceError { try await h.service().updateLayout(egressId: info.egressId, layout: "speaker-dark", by: Harness.alice) }
        #expect(error?.code == APIErrorCode.notActive)
        #expect(error?.message.contains("EGRESS_STARTING") == true, "\(String(describing: error?.message))")
        #expect(error?.message.contains("ENDING") == false)
        #expect(error?.retryAfterSeconds != nil)
        #expect(try await h.stored(info.egressId)?.status == .starting)
    }
}
