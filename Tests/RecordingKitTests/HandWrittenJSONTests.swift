import Foundation
import JSONWriting
import RecordingModels
import RecordingModelsJSON
import Testing
@testable import RecordingKit

/// The server writes its hot responses with `JSONWritable`, not JSONEncoder: the SDK
/// must read those bytes back into the very values the server had.
@Suite("RecordingClient: reads the server's hand-written JSON")
struct HandWrittenJSONTests {
    static let recordings = [
        Sample.recording("EG_1"),
        Sample.recording("EG_2", room: "!q\"uo\\te/😀\u{2028}\u{1}:example.org", status: .failed, error: "line\nbreak\t\"quoted\""),
        RecordingInfo(
            egressId: "EG_3", roomName: "", status: .complete, startedAt: EpochMilliseconds(-5), endedAt: EpochMilliseconds(Int64.max),
            audioOnly: true, file: RecordingFile(key: "k", size: nil, durationMs: 0, missing: true), startedBy: "ops", stoppedBy: "@b:c.d"),
    ]

    @Test("list, status and stop decode to what was written")
    func roundTrip() async throws {
        let page = RecordingListResponse(recordings: Self.recordings, nextCursor: "c/+==")
        let server = FakeServer { request in
            switch (request.method, request.path) {
            case ("GET", "/api/recording/list"): .written(page)
            case ("GET", "/api/recording/status/EG_2"): .written(RecordingStatusResponse(egress: Self.recordings[1]))
            case ("POST", "/api/recording/stop"): .written(StopRecordingResponse(recording: Self.recordings[2]))
            case ("POST", "/api/recording/start"): .written(StartRecordingResponse(recording: Self.recordings[0]))
            default: .error(404, code: APIErrorCode.routeNotFound)
            }
        }
        let client = server.client()
        #expect(try await client.list() == page)
        #expect(try await client.status(egressId: "EG_2") == Self.recordings[1])
        #expect(try await client.stop(egressId: "EG_3") == StopRecordingResponse(recording: Self.recordings[2]))
        #expect(try await client.start(roomName: "!abc:example.org") == StartRecordingResponse(recording: Self.recordings[0]))
    }

    @Test("an error body written by hand still becomes the matching RecordingError")
    func errorBody() async throws {
        let server = FakeServer { _ in
            .response(
                status: 409, headers: ["Content-Type": "application/json"],
                body: Data(ErrorResponse(code: APIErrorCode.alreadyRecording, error: "Busy.", egressId: "EG_9").jsonBytes()))
        }
        await #expect(throws: RecordingError.alreadyRecording(egressId: "EG_9", message: "Busy.")) {
            _ = try await server.client().start(roomName: "!abc:example.org")
        }
    }
}

extension FakeReply {
    static func written(_ value: some JSONWritable) -> FakeReply {
        .response(status: 200, headers: ["Content-Type": "application/json"], body: Data(value.jsonBytes()))
    }
}
