import Foundation
import Testing
@testable import RecordingKit
import RecordingModels

@MainActor
@Suite("RecordingController against a fake API", .timeLimit(.minutes(1)))
struct RecordingControllerTests {
    let room = "!abc:example.org"

    func controller(_ fake: ContractFake) -> RecordingController {
        // Polls every 2 ms: the clock is injected, the fake answers at once.
        RecordingController(client: fake.client(), roomName: room, polling: PollingPolicy(interval: 0.002), sleep: { seconds in
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
        })
    }

    /// The first state, from now on, that matches.
    func next(_ controller: RecordingController, where matches: (RecordingButtonState) -> Bool) async -> RecordingButtonState? {
        for await state in controller.states where matches(state) { return state }
        return nil
    }

    @Test("nothing is sent before consent; declining goes back to idle")
    func consent() async throws {
        let fake = ContractFake()
        let controller = controller(fake)
        controller.requestRecording()
        #expect(controller.state == .awaitingConsent)
        controller.declineConsent()
        #expect(controller.state == .idle)
        await Task.yield()
        #expect(fake.server.requests.isEmpty)
    }

    @Test("follows a recording that another participant stops")
    func stoppedByAnotherClient() async throws {
        let fake = ContractFake()
        let controller = controller(fake)
        controller.requestRecording()
        controller.confirmConsent()
        let recording = await next(controller) { if case .recording = $0 { true } else { false } }
        let egressId = try #require(recording?.egressId)
        #expect(fake.recordings.first?.status == .starting)

        fake.end(egressId, as: .complete)  // stopped from another phone; LiveKit uploaded the file
        let finished = await next(controller) { if case .finished = $0 { true } else { false } }
        guard case .finished(let info) = finished else { Issue.record("not finished: \(String(describing: finished))"); return }
        #expect(info.egressId == egressId && info.status == .complete)
        #expect(info.file?.key == "recordings/\(egressId).mp4")
        #expect(fake.startsSeen == 1)
    }

    @Test("an egress that fails elsewhere ends in failed, with LiveKit's reason")
    func failedElsewhere() async throws {
        let fake = ContractFake()
        let controller = controller(fake)
        controller.requestRecording()
        controller.confirmConsent()
        let egressId = try #require(await next(controller) { if case .recording = $0 { true } else { false } }?.egressId)
        fake.end(egressId, as: .failed, error: "Egress ran out of memory.")
        let failed = await next(controller) { if case .failed = $0 { true } else { false } }
        #expect(failed == .failed(.recordingFailed(egressId: egressId, message: "Egress ran out of memory.")))
    }

    @Test("the user stops: stopping, then finished once the file is there; then start again via consent")
    func userStops() async throws {
        let fake = ContractFake()
        let controller = controller(fake)
        controller.requestRecording()
        controller.confirmConsent()
        let egressId = try #require(await next(controller) { if case .recording = $0 { true } else { false } }?.egressId)
        controller.stop()
        guard case .stopping(egressId, _) = controller.state else { Issue.record("not stopping: \(controller.state)"); return }
        let finished = await next(controller) { if case .finished = $0 { true } else { false } }
        #expect(finished?.egressId == egressId)
        #expect(fake.server.requests.contains { $0.path == "/api/recording/stop" })

        controller.requestRecording()
        #expect(controller.state == .awaitingConsent)
        controller.confirmConsent()
        let second = await next(controller) { if case .recording = $0 { true } else { false } }
        #expect(second?.egressId != nil && second?.egressId != egressId)
    }

    @Test("a stop that cannot get through leaves it recording, says why, and a later stop works")
    func stopFails() async throws {
        let fake = ContractFake()
        let controller = controller(fake)
        controller.requestRecording()
        controller.confirmConsent()
        let egressId = try #require(await next(controller) { if case .recording = $0 { true } else { false } }?.egressId)
        fake.dropStops(true)
        controller.stop()
        _ = await next(controller) { if case .stopping = $0 { true } else { false } }
        _ = await next(controller) { if case .recording = $0 { true } else { false } }
        guard case .transport = controller.lastError else { Issue.record("lastError: \(String(describing: controller.lastError))"); return }
        #expect(fake.recordings.first { $0.egressId == egressId }?.status.isActive == true)

        fake.dropStops(false)
        controller.stop()
        let finished = await next(controller) { if case .finished = $0 { true } else { false } }
        #expect(finished?.egressId == egressId)
    }

    @Test("someone else already records the room: the button follows their recording")
    func joinsExistingRecording() async throws {
        let theirs = RecordingInfo(egressId: "EG_theirs", roomName: room, status: .active, startedAt: Sample.t0)
        let fake = ContractFake(recordings: [theirs])
        let controller = controller(fake)
        controller.requestRecording()
        controller.confirmConsent()
        let state = await next(controller) { if case .recording = $0 { true } else if case .failed = $0 { true } else { false } }
        #expect(state == .recording(egressId: "EG_theirs", since: Sample.t0.date))
    }

    @Test("a start the service refuses ends in failed with its message")
    func startRefused() async throws {
        let fake = ContractFake(rooms: [:])
        let controller = controller(fake)
        controller.requestRecording()
        controller.confirmConsent()
        let state = await next(controller) { if case .failed = $0 { true } else { false } }
        #expect(state == .failed(.roomNotFound(message: "No call in that room.")))
    }

    @Test("resume picks up the room's active recording after a restart")
    func resumeActive() async throws {
        let other = RecordingInfo(egressId: "EG_other_room", roomName: "!zzz:example.org", status: .active, startedAt: Sample.t0)
        let ours = RecordingInfo(egressId: "EG_ours", roomName: room, status: .active, startedAt: Sample.t0)
        let fake = ContractFake(recordings: [other, ours])
        let controller = controller(fake)
        await controller.resume()
        #expect(controller.state.egressId == "EG_ours")
        let list = try #require(fake.server.requests.first)
        #expect(list.query["roomName"] == room && list.query["active"] == "true")
    }

    @Test("resume with nothing active stays idle")
    func resumeNothing() async throws {
        let fake = ContractFake(recordings: [RecordingInfo(egressId: "EG_old", roomName: room, status: .complete, startedAt: Sample.t0)])
        let controller = controller(fake)
        await controller.resume()
        #expect(controller.state == .idle)
    }

    @Test("the state is observable where Observation exists")
    func observable() async throws {
        #if canImport(Observation)
        let fake = ContractFake()
        let controller = controller(fake)
        let changed = Flag()
        withObservationTracking { _ = controller.state } onChange: { changed.set() }
        controller.requestRecording()
        #expect(changed.isSet)
        #endif
    }
}

import Synchronization
#if canImport(Observation)
import Observation
#endif

final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
