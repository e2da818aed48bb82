import Foundation
import Synchronization
@testable import RecordingKit
import RecordingModels

/// An in-memory Recording API that keeps the contract's rules (one active recording per
/// room, stop is idempotent, errors in the API's shape), for tests of the controller and
/// the CLI. `end(_:as:)` plays another participant or LiveKit changing a recording.
final class ContractFake: Sendable {
    struct State {
        var rooms: [String: [String]] = [:]
        var recordings: [RecordingInfo] = []
        var nextId = 1
        /// A recording in ENDING completes at the next status request (LiveKit finished the upload).
        var completeOnStatus = true
        var startsSeen = 0
        /// Every stop loses its connection (a flaky network while stopping).
        var dropStops = false
    }

    final class Store: Sendable {
        let state = Mutex(State())
    }

    let store = Store()
    let server: FakeServer

    init(rooms: [String: [String]] = ["!abc:example.org": ["alice", "bob"]], recordings: [RecordingInfo] = []) {
        let store = self.store
        store.state.withLock {
            $0.rooms = rooms
            $0.recordings = recordings
        }
        server = FakeServer { request in store.state.withLock { Self.route(request, &$0) } }
    }

    func client() -> RecordingClient { server.client() }

    func end(_ egressId: String, as status: RecordingStatus, error: String? = nil) {
        store.state.withLock { state in
            guard let index = state.recordings.firstIndex(where: { $0.egressId == egressId }) else { return }
            state.recordings[index].status = status
            state.recordings[index].error = error
            if status.isTerminal { Self.finish(&state.recordings[index]) }
        }
    }

    var recordings: [RecordingInfo] { store.state.withLock { $0.recordings } }
    var startsSeen: Int { store.state.withLock { $0.startsSeen } }
    func dropStops(_ drop: Bool) { store.state.withLock { $0.dropStops = drop } }

    private static func finish(_ recording: inout RecordingInfo) {
        recording.endedAt = EpochMilliseconds(recording.startedAt.value + 60_000)
        if recording.status == .complete || recording.status == .limitReached {
            recording.file = RecordingFile(key: "recordings/\(recording.egressId).mp4", size: 11, durationMs: 60_000)
        }
    }

    private static func route(_ request: SeenRequest, _ state: inout State) -> FakeReply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // The last segment is the egress id (or file) of the parameterised routes.
        let last = segments.last ?? ""
        let head = segments.dropLast().joined(separator: "/")
        switch (request.method, request.path, head) {
        case ("POST", "/api/recording/start", _):
            guard let body = try? request.json(StartRecordingRequest.self) else { return .error(400, code: APIErrorCode.invalidJSON) }
            state.startsSeen += 1
            guard state.rooms[body.roomName] != nil else { return .error(404, code: APIErrorCode.roomNotFound, message: "No call in that room.") }
            if let active = state.recordings.first(where: { $0.roomName == body.roomName && $0.status.isActive }) {
                return .error(409, code: APIErrorCode.alreadyRecording, message: "This room is already being recorded.", egressId: active.egressId)
            }
            let recording = RecordingInfo(
                egressId: "EG_\(state.nextId)", roomName: body.roomName, status: .starting,
                startedAt: EpochMilliseconds(1_706_356_800_000 + Int64(state.nextId) * 1000), layout: body.layout ?? .gridDark,
                audioOnly: body.audioOnly ?? false)
            state.nextId += 1
            state.recordings.insert(recording, at: 0)
            return .encoded(StartRecordingResponse(recording: recording))
        case ("POST", "/api/recording/stop", _):
            guard !state.dropStops else { return .connectionLost }
            guard let body = try? request.json(StopRecordingRequest.self) else { return .error(400, code: APIErrorCode.invalidJSON) }
            guard let index = state.recordings.firstIndex(where: { $0.egressId == body.egressId }) else { return .error(404, code: APIErrorCode.notFound) }
            if state.recordings[index].status.isActive { state.recordings[index].status = .ending }
            return .encoded(StopRecordingResponse(recording: state.recordings[index]))
        case ("GET", _, "api/recording/status"):
            let egressId = last
            guard let index = state.recordings.firstIndex(where: { $0.egressId == egressId }) else { return .error(404, code: APIErrorCode.notFound, message: "No such recording.") }
            if state.completeOnStatus, state.recordings[index].status == .ending {
                state.recordings[index].status = .complete
                finish(&state.recordings[index])
            }
            return .encoded(RecordingStatusResponse(egress: state.recordings[index]))
        case ("GET", "/api/recording/list", _):
            let query = request.query
            var found = state.recordings
            if let room = query["roomName"] { found = found.filter { $0.roomName == room } }
            if query["active"] == "true" { found = found.filter { $0.status.isActive } }
            if let status = query["status"] { found = found.filter { $0.status.rawValue == status } }
            if let limit = query["limit"].flatMap(Int.init) { found = Array(found.prefix(limit)) }
            return .encoded(RecordingListResponse(recordings: found, nextCursor: nil))
        case ("GET", _, "api/recording/download"):
            let egressId = last
            guard let recording = state.recordings.first(where: { $0.egressId == egressId }) else { return .error(404, code: APIErrorCode.notFound) }
            guard recording.status.isTerminal else { return .error(409, code: APIErrorCode.notReady, message: "Still recording.") }
            return .encoded(DownloadLinkResponse(url: "http://\(request.url.host!)/bucket/\(egressId).mp4?X-Amz-Signature=sig", expiresAt: EpochMilliseconds(1_706_360_400_000)))
        case ("GET", _, "bucket"):
            let body = Data("not really an mp4: \(last)".utf8)
            return .response(status: 200, headers: ["Content-Type": "video/mp4", "Content-Length": String(body.count)], body: body)
        case ("DELETE", _, "api/recording"):
            let egressId = last
            guard let index = state.recordings.firstIndex(where: { $0.egressId == egressId }) else { return .error(404, code: APIErrorCode.notFound, message: "No such recording.") }
            guard state.recordings[index].status.isTerminal else { return .error(409, code: APIErrorCode.recordingActive, message: "Stop it first.") }
            state.recordings.remove(at: index)
            return .encoded(DeleteRecordingResponse(egressId: egressId))
        case ("GET", "/api/rooms", _):
            let rooms = state.rooms.keys.sorted().map { name in
                let active = state.recordings.first { $0.roomName == name && $0.status.isActive }
                return RoomSummary(name: name, numParticipants: state.rooms[name]!.count, participants: state.rooms[name]!, createdAt: Sample.t0, recording: active != nil, egressId: active?.egressId)
            }
            return .encoded(RoomsResponse(rooms: rooms))
        default:
            return .error(404, code: APIErrorCode.routeNotFound)
        }
    }
}
