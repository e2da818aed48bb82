import Foundation
import RecordingKit
import RecordingModels
import Testing
import TestSupport

/// The record button (`RecordingController`) following real recordings: the ones it
/// starts, the ones others stop, the ones that fail out of band, after a restart.
@Suite("End to end: RecordingKit's controller", .enabled(if: LiveStack.canRun))
@MainActor
struct RecordingKitControllerTests {
    /// Short polls, so a change made elsewhere shows within a fraction of a second.
    static let polling = PollingPolicy(interval: 0.2, maxInterval: 1)

    @Test("nothing before consent; then recording; another client stops it → the controller finishes on its own")
    func followsAStopByAnotherClient() async throws {
        let room = KitStack.room("button")
        try await KitStack.with(rooms: [room: ["alice", "bob"]]) { stack in
            let controller = RecordingController(client: KitStack.client(stack), roomName: room, layout: .gridDark, polling: Self.polling)
            let other = KitStack.client(stack)

            controller.requestRecording()
            #expect(controller.state == .awaitingConsent)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await other.list(filter: RecordingFilter(roomName: room)).recordings.isEmpty, "recorded before consent")

            controller.confirmConsent()
            let recording = try await eventually(controller, "recording after consent") { $0.egressId != nil }
            guard case .recording(let egressId, _) = recording else { Issue.record("expected recording, got \(recording)"); return }
            #expect(try await other.status(egressId: egressId).roomName == room)

            try await KitStack.waitForStatus(other, egressId) { $0 == .active }
            let stopped = try await other.stop(egressId: egressId)
            #expect(stopped.status == .complete)

            let final = try await eventually(controller, "finished after another client's stop") {
                if case .finished = $0 { true } else { false }
            }
            guard case .finished(let info) = final else { return }
            #expect(info.egressId == egressId)
            #expect(info.status == .complete)
            #expect(info.file?.key != nil)
            #expect(controller.lastError == nil)
        }
    }

    @Test("an egress that fails out of band (EGRESS_FAILED from LiveKit) → failed, with LiveKit's reason")
    func egressFailsOutOfBand() async throws {
        let room = KitStack.room("fails")
        try await KitStack.with(rooms: [room: ["alice", "bob"]]) { stack in
            let controller = RecordingController(client: KitStack.client(stack), roomName: room, polling: Self.polling)

            controller.requestRecording()
            controller.confirmConsent()
            let recording = try await eventually(controller, "recording after consent") { $0.egressId != nil }
            let egressId = try #require(recording.egressId)
            try await KitStack.waitForStatus(KitStack.client(stack), egressId) { $0 == .active }

            let reason = "pipeline crashed: out of disk"
            try await stack.emulator.control("POST", "egress/end", ["egress_id": egressId, "status": "EGRESS_FAILED", "error": reason])

            let final = try await eventually(controller, "failed after the egress failed") {
                if case .failed = $0 { true } else { false }
            }
            guard case .failed(.recordingFailed(let failedId, let message)) = final else {
                Issue.record("expected failed(recordingFailed), got \(final)")
                return
            }
            #expect(failedId == egressId)
            #expect(message.contains(reason), "\(message)")
            controller.dismiss()
            #expect(controller.state == .idle)
        }
    }

    @Test("resume() after a restart follows the room's active recording; a room without one stays idle")
    func resumeAfterRestart() async throws {
        let room = KitStack.room("resume")
        let quiet = KitStack.room("quiet")
        try await KitStack.with(rooms: [room: ["alice", "bob"], quiet: ["carol"]]) { stack in
            let client = KitStack.client(stack)

            var first: RecordingController? = RecordingController(client: client, roomName: room, polling: Self.polling)
            first?.requestRecording()
            first?.confirmConsent()
            let recording = try await eventually(first!, "recording after consent") { $0.egressId != nil }
            let egressId = try #require(recording.egressId)
            first = nil  // the app was killed

            let restarted = RecordingController(client: client, roomName: room, polling: Self.polling)
            #expect(restarted.state == .idle)
            await restarted.resume()
            let resumed = try await eventually(restarted, "following the active recording after resume()") { $0.egressId != nil }
            #expect(resumed.egressId == egressId)
            #expect(restarted.lastError == nil)

            let elsewhere = RecordingController(client: client, roomName: quiet, polling: Self.polling)
            await elsewhere.resume()
            #expect(elsewhere.state == .idle)
            #expect(elsewhere.lastError == nil)

            // Still following: the user stops it from the restarted screen.
            try await KitStack.waitForStatus(client, egressId) { $0 == .active }
            restarted.stop()
            let final = try await eventually(restarted, "finished after stop") {
                if case .finished = $0 { true } else { false }
            }
            #expect(final.egressId == egressId)
        }
    }

    @Test("starting while another client records the room follows their recording")
    func startFollowsSomeoneElsesRecording() async throws {
        let room = KitStack.room("shared")
        try await KitStack.with(rooms: [room: ["alice", "bob"]]) { stack in
            let theirs = try await KitStack.client(stack).start(roomName: room)

            let controller = RecordingController(client: KitStack.client(stack), roomName: room, polling: Self.polling)
            controller.requestRecording()
            controller.confirmConsent()
            let state = try await eventually(controller, "following after a 409") {
                if case .recording = $0 { true } else if case .failed = $0 { true } else { false }
            }
            #expect(state.egressId == theirs.egressId, "\(state)")
            #expect(try await KitStack.client(stack).list(filter: RecordingFilter(roomName: room)).recordings.count == 1)
        }
    }
}
