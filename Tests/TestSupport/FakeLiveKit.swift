import Foundation
import RecordingModels
import RecordingService
import Synchronization

/// LiveKit's Egress and RoomService as the domain sees them, in memory, behaving as
/// LIVEKIT.md describes: `started_at` unknown until the egress is active, `not_found`
/// for an unknown room or egress, `failed_precondition` when stopping an egress that
/// is ending or ended, no protection against two recordings of one room. Tests drive
/// the egress life cycle (`activate`, `end`, `forget`) and inject failures.
public final class FakeLiveKit: LiveKitEgress, LiveKitRooms {
    public enum Call: Sendable, Hashable {
        case start, stop, listEgress, updateLayout, listRooms, listParticipants
    }

    private struct Egress {
        var snapshot: EgressSnapshot
        var request: RoomCompositeRecordingRequest?
    }

    private struct State {
        var rooms: [String: [ParticipantSnapshot]] = [:]
        var roomOrder: [String] = []
        var egresses: [String: Egress] = [:]
        var calls: [Call: Int] = [:]
        var failures: [Call: [LiveKitFailure]] = [:]
        var unavailable = false
        var startRequests: [RoomCompositeRecordingRequest] = []
        var lastNanos: Int64 = 0
        var counter = 0
    }

    private let state = Mutex(State())
    private let clock: any WallClock

    public init(clock: any WallClock) {
        self.clock = clock
    }

    // MARK: Test controls

    public func addRoom(_ name: String, participants: [String] = []) {
        state.withLock {
            if $0.rooms[name] == nil { $0.roomOrder.append(name) }
            $0.rooms[name] = participants.map { ParticipantSnapshot(identity: $0) }
        }
    }

    public func removeRoom(_ name: String) {
        state.withLock {
            $0.rooms[name] = nil
            $0.roomOrder.removeAll { $0 == name }
        }
    }

    /// Every call fails with `unavailable` while true (LiveKit down).
    public func setUnavailable(_ down: Bool) {
        state.withLock { $0.unavailable = down }
    }

    /// The next `times` calls of `call` fail with `failure`.
    public func failNext(_ call: Call, with failure: LiveKitFailure, times: Int = 1) {
        state.withLock { $0.failures[call, default: []].append(contentsOf: Array(repeating: failure, count: times)) }
    }

    public func calls(_ call: Call) -> Int { state.withLock { $0.calls[call] ?? 0 } }
    public var startRequests: [RoomCompositeRecordingRequest] { state.withLock { $0.startRequests } }
    public func snapshot(_ egressId: String) -> EgressSnapshot? { state.withLock { $0.egresses[egressId]?.snapshot } }

    /// Egress reports the recording running: now `started_at` is known.
    @discardableResult
    public func activate(_ egressId: String) -> EgressSnapshot {
        change(egressId) { snapshot, now in
            snapshot.status = .active
            snapshot.startedAt = now
        }
    }

    /// Egress ends the recording. COMPLETE carries the file at the requested key.
    @discardableResult
    public func end(
        _ egressId: String, as status: RecordingStatus = .complete, error: String? = nil, size: Int64 = 1_000,
        durationMs: Int64 = 5_000
    ) -> EgressSnapshot {
        let key = state.withLock { $0.egresses[egressId]?.request?.fileKey } ?? "recordings/\(egressId).mp4"
        return change(egressId) { snapshot, now in
            snapshot.status = status
            snapshot.endedAt = now
            snapshot.error = error
            if status == .complete {
                snapshot.files = [EgressFileResult(filename: key, location: "s3://livekit-recordings/\(key)", size: size, durationMs: durationMs)]
            }
        }
    }

    /// LiveKit forgets the egress (it does so about a day after it ended; or it restarted).
    public func forget(_ egressId: String) {
        state.withLock { _ = $0.egresses.removeValue(forKey: egressId) }
    }

    /// An egress started without our API (auto-egress, another tool).
    @discardableResult
    public func startExternal(roomName: String, status: RecordingStatus = .active) -> EgressSnapshot {
        let now = clock.now
        return state.withLock { state in
            let id = Self.nextId(&state)
            let snapshot = EgressSnapshot(
                egressId: id, roomName: roomName, roomId: "RM_\(roomName.utf8.count)", status: status,
                startedAt: status == .starting ? nil : now, updatedAtNanos: Self.nextNanos(&state, now))
            state.egresses[id] = Egress(snapshot: snapshot, request: nil)
            return snapshot
        }
    }

    private func change(_ egressId: String, _ edit: (inout EgressSnapshot, Date) -> Void) -> EgressSnapshot {
        let now = clock.now
        return state.withLock { state in
            var snapshot = state.egresses[egressId]!.snapshot
            edit(&snapshot, now)
            snapshot.updatedAtNanos = Self.nextNanos(&state, now)
            state.egresses[egressId]!.snapshot = snapshot
            return snapshot
        }
    }

    private static func nextId(_ state: inout State) -> String {
        state.counter += 1
        return "EG_fake\(state.counter)"
    }

    /// LiveKit's `updated_at` in ns; strictly increasing so updates have an order.
    private static func nextNanos(_ state: inout State, _ now: Date) -> Int64 {
        state.lastNanos = max(state.lastNanos + 1, Int64(now.timeIntervalSince1970 * 1_000_000_000))
        return state.lastNanos
    }

    private func enter(_ call: Call) throws(LiveKitFailure) {
        try state.withLock { state throws(LiveKitFailure) in
            state.calls[call, default: 0] += 1
            if state.unavailable { throw .unavailable("connection refused") }
            if var queued = state.failures[call], !queued.isEmpty {
                let failure = queued.removeFirst()
                state.failures[call] = queued
                throw failure
            }
        }
    }

    // MARK: LiveKitEgress

    public func startRoomComposite(_ request: RoomCompositeRecordingRequest) async throws(LiveKitFailure) -> EgressSnapshot {
        try enter(.start)
        await Task.yield()  // let racing callers interleave, as a network round trip would
        let now = clock.now
        return try state.withLock { state throws(LiveKitFailure) -> EgressSnapshot in
            state.startRequests.append(request)
            guard state.rooms[request.roomName] != nil else { throw .notFound("requested room does not exist") }
            let id = Self.nextId(&state)
            // started_at stays 0 (nil) until the egress is active.
            let snapshot = EgressSnapshot(
                egressId: id, roomName: request.roomName, roomId: "RM_room", status: .starting,
                updatedAtNanos: Self.nextNanos(&state, now))
            state.egresses[id] = Egress(snapshot: snapshot, request: request)
            return snapshot
        }
    }

    public func stopEgress(egressId: String) async throws(LiveKitFailure) -> EgressSnapshot {
        try enter(.stop)
        let now = clock.now
        return try state.withLock { state throws(LiveKitFailure) -> EgressSnapshot in
            guard var egress = state.egresses[egressId] else { throw .notFound("egress does not exist") }
            guard egress.snapshot.status == .starting || egress.snapshot.status == .active else {
                throw .failedPrecondition("egress with status \(egress.snapshot.status.rawValue) cannot be stopped")
            }
            egress.snapshot.status = .ending
            egress.snapshot.updatedAtNanos = Self.nextNanos(&state, now)
            state.egresses[egressId] = egress
            return egress.snapshot
        }
    }

    public func listEgress(roomName: String?, egressId: String?, activeOnly: Bool) async throws(LiveKitFailure) -> [EgressSnapshot] {
        try enter(.listEgress)
        return try state.withLock { state throws(LiveKitFailure) -> [EgressSnapshot] in
            if let egressId, state.egresses[egressId] == nil { throw .notFound("egress does not exist") }
            return state.egresses.values.map(\.snapshot)
                .filter { egressId == nil || $0.egressId == egressId }
                .filter { roomName == nil || $0.roomName == roomName }
                .filter { !activeOnly || !$0.status.isTerminal }
                .sorted { $0.egressId < $1.egressId }
        }
    }

    public func updateLayout(egressId: String, layout: RecordingLayout) async throws(LiveKitFailure) -> EgressSnapshot {
        try enter(.updateLayout)
        let now = clock.now
        return try state.withLock { state throws(LiveKitFailure) -> EgressSnapshot in
            guard var egress = state.egresses[egressId] else { throw .notFound("egress does not exist") }
            guard !egress.snapshot.status.isTerminal, egress.snapshot.status != .ending else {
                throw .failedPrecondition("egress with status \(egress.snapshot.status.rawValue) cannot be updated")
            }
            egress.request?.layout = layout
            egress.snapshot.updatedAtNanos = Self.nextNanos(&state, now)
            state.egresses[egressId] = egress
            return egress.snapshot
        }
    }

    public func layout(of egressId: String) -> RecordingLayout? { state.withLock { $0.egresses[egressId]?.request?.layout } }

    // MARK: LiveKitRooms

    public func listRooms(names: [String]?) async throws(LiveKitFailure) -> [RoomSnapshot] {
        try enter(.listRooms)
        return state.withLock { state in
            state.roomOrder.filter { names == nil || names!.contains($0) }.map { name in
                let recording = state.egresses.values.contains { $0.snapshot.roomName == name && !$0.snapshot.status.isTerminal }
                return RoomSnapshot(
                    name: name, sid: "RM_\(name.utf8.count)", numParticipants: state.rooms[name]?.count ?? 0,
                    createdAt: Date(timeIntervalSince1970: 1_706_356_000), activeRecording: recording)
            }
        }
    }

    public func listParticipants(roomName: String) async throws(LiveKitFailure) -> [ParticipantSnapshot] {
        try enter(.listParticipants)
        return try state.withLock { state throws(LiveKitFailure) -> [ParticipantSnapshot] in
            guard let participants = state.rooms[roomName] else { throw .notFound("requested room does not exist") }
            return participants
        }
    }
}
