import Foundation
import Logging
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

/// One service wired to fresh fakes, and the handles a test needs to drive them.
struct Harness {
    let clock = ManualClock()
    let store = InMemoryRecordingStore()
    let liveKit: FakeLiveKit
    let storage = FakeObjectStorage()
    let logs = CapturingLogSink()
    var configuration: RecordingServiceConfiguration

    static let alice = Caller(name: "alice", kind: .operator, remoteAddress: "10.0.0.1")
    static let bob = Caller(name: "bob", kind: .participant, remoteAddress: "10.0.0.2")
    static let room = "!abc123:example.org"

    init(configuration: RecordingServiceConfiguration = RecordingServiceConfiguration(), rooms: [String] = [Harness.room]) {
        liveKit = FakeLiveKit(clock: clock)
        self.configuration = configuration
        for room in rooms { liveKit.addRoom(room, participants: ["alice", "bob"]) }
    }

    /// A service instance; several on one harness play replicas or a restart.
    func service(instanceId: String = "replica-a") -> RecordingService {
        RecordingService(
            store: store, egress: liveKit, rooms: liveKit, storage: storage, configuration: configuration,
            roomNameDigest: RoomNameSlug.fnv1a, clock: clock,
            logger: Logger(label: "test", level: .trace, sink: logs), instanceId: instanceId)
    }

    /// Starts a recording of `room` as alice.
    func started(_ room: String = Harness.room, maxDurationSeconds: Int? = nil) async throws -> RecordingInfo {
        try await service().start(roomName: room, maxDurationSeconds: maxDurationSeconds, by: Self.alice)
    }

    /// Starts a recording and lets LiveKit (and its webhook) make it active.
    func active(_ room: String = Harness.room, maxDurationSeconds: Int? = nil) async throws -> RecordingInfo {
        let info = try await started(room, maxDurationSeconds: maxDurationSeconds)
        clock.advance(by: 2)
        try await service().apply(liveKit.activate(info.egressId), from: .webhook)
        return try await service().status(egressId: info.egressId)
    }

    func stored(_ egressId: String) async throws -> StoredRecording? {
        try await store.recording(egressId: egressId)
    }
}

/// Runs `body` and returns the `RecordingServiceError` it threw (nil when it did not).
/// Any other error is recorded as a test failure: the service promises only this type.
func serviceError<T>(_ body: () async throws -> T) async -> RecordingServiceError? {
    do {
        _ = try await body()
        return nil
    } catch let error as RecordingServiceError {
        return error
    } catch {
        Issue.record("threw \(error), not a RecordingServiceError")
        return nil
    }
}
