import Foundation
import Testing
@testable import RecordingKit
import RecordingModels

@Suite("RecordingClient: requests on the wire")
struct RecordingClientRequestTests {
    static let oddRoomNames = ["!abc:example.org", "a+b&c=d#e/f", "room with space?x=1", "ünïcødé:ex.org", "100%!"]

    @Test("room names survive the query", arguments: oddRoomNames)
    func roomNameInQuery(roomName: String) async throws {
        let server = FakeServer { _ in .encoded(RecordingListResponse(recordings: [], nextCursor: nil)) }
        _ = try await server.client().list(filter: RecordingFilter(roomName: roomName, status: .active, active: true, limit: 5, cursor: "c+1/=="))
        let request = try #require(server.requests.first)
        #expect(request.path == "/api/recording/list")
        #expect(request.query == ["roomName": roomName, "status": "EGRESS_ACTIVE", "active": "true", "limit": "5", "cursor": "c+1/=="])
        let rawQuery = try #require(request.rawQuery)
        // Only the separators between items are literal; nothing of the values is.
        #expect(rawQuery.filter { "+#/!:? ".contains($0) }.isEmpty)
        #expect(rawQuery.filter { $0 == "&" }.count == 4)
        #expect(rawQuery.filter { $0 == "=" }.count == 5)
    }

    @Test("egress ids are one path segment", arguments: [
        ("EG_abc123", "/api/recording/status/EG_abc123"),
        ("EG/odd id#1", "/api/recording/status/EG%2Fodd%20id%231"),
        ("!x:y?z", "/api/recording/status/%21x%3Ay%3Fz"),
    ])
    func egressIdInPath(egressId: String, rawPath: String) async throws {
        let server = FakeServer { _ in .encoded(RecordingStatusResponse(egress: Sample.recording(egressId))) }
        let info = try await server.client().status(egressId: egressId)
        #expect(info.egressId == egressId)
        let request = try #require(server.requests.first)
        #expect(request.rawPath == rawPath)
        #expect(request.path == "/api/recording/status/\(egressId)")
    }

    @Test("every call goes where the contract says")
    func endpoints() async throws {
        let server = FakeServer { request in
            switch (request.method, request.path) {
            case ("GET", "/health"): .json(200, #"{"status":"ok"}"#)
            case ("GET", "/api/rooms"): .json(200, #"{"success":true,"rooms":[{"name":"!a:b.c","numParticipants":2,"participants":["al","bo"],"createdAt":"1706356800000","recording":true,"egressId":"EG_1"}]}"#)
            case ("GET", "/api/recording/download/EG_1"): .json(200, #"{"success":true,"url":"http://s3/x.mp4?X-Amz-Signature=abc","expiresAt":"1706360400000"}"#)
            case ("POST", "/api/recording/layout"): .json(200, #"{"success":true,"egressId":"EG_1","layout":"speaker-light","status":"EGRESS_ACTIVE"}"#)
            case ("DELETE", "/api/recording/EG_1"): .json(200, #"{"success":true,"egressId":"EG_1","deleted":true}"#)
            case ("POST", "/api/recording/stop"): .json(200, #"{"success":true,"egressId":"EG_1","status":"EGRESS_ENDING","endedAt":null,"roomName":"!a:b.c","startedAt":"1706356800000","error":null,"file":null}"#)
            default: .error(404, code: APIErrorCode.routeNotFound)
            }
        }
        let client = server.client()
        #expect(try await client.health().status == "ok")
        #expect(try await client.rooms() == [RoomSummary(name: "!a:b.c", numParticipants: 2, participants: ["al", "bo"], createdAt: Sample.t0, recording: true, egressId: "EG_1")])
        #expect(try await client.downloadLink(egressId: "EG_1").expiresAt == EpochMilliseconds(1_706_360_400_000))
        #expect(try await client.updateLayout(egressId: "EG_1", layout: .speakerLight).layout == .speakerLight)
        #expect(try await client.delete(egressId: "EG_1").deleted)
        let stopped = try await client.stop(egressId: "EG_1")
        #expect(stopped.status == .ending && stopped.endedAt == nil)

        let bodies = server.requests.filter { $0.method == "POST" }
        #expect(try bodies[0].json(UpdateLayoutRequest.self) == UpdateLayoutRequest(egressId: "EG_1", layout: .speakerLight))
        #expect(try bodies[1].json(StopRecordingRequest.self) == StopRecordingRequest(egressId: "EG_1"))
    }

    @Test("start sends the room, layout and options")
    func startBody() async throws {
        let server = FakeServer { _ in .json(200, #"{"success":true,"egressId":"EG_9","status":"EGRESS_STARTING","roomName":"!abc:example.org","startedAt":"1706356800000"}"#) }
        let started = try await server.client().start(
            roomName: "!abc:example.org", layout: .speakerDark,
            options: StartOptions(audioOnly: true, preset: "H264_720P_30", maxDurationSeconds: 600))
        #expect(started.egressId == "EG_9" && started.status == .starting && started.startedAt == Sample.t0)
        let body = try #require(server.requests.first).json(StartRecordingRequest.self)
        #expect(body == StartRecordingRequest(roomName: "!abc:example.org", layout: .speakerDark, audioOnly: true, preset: "H264_720P_30", maxDurationSeconds: 600))
    }

    @Test("the bearer token is asked for on every call")
    func freshTokenEveryCall() async throws {
        let server = FakeServer { _ in .json(200, #"{"status":"ok"}"#) }
        let counter = Counter()
        let client = server.client(token: { "token-\(counter.next())" })
        _ = try await client.health()
        _ = try await client.health()
        #expect(server.requests.map(\.authorization) == ["Bearer token-1", "Bearer token-2"])
    }

    @Test("no token, no Authorization header")
    func noToken() async throws {
        let server = FakeServer { _ in .json(200, #"{"status":"ok"}"#) }
        _ = try await server.client(token: { nil }).health()
        #expect(server.requests.first?.authorization == nil)
    }

    @Test("a token provider that fails is unauthorized, and nothing is sent")
    func tokenProviderFails() async throws {
        struct NoSession: Error {}
        let server = FakeServer { _ in .json(200, #"{"status":"ok"}"#) }
        await #expect(throws: RecordingError.unauthorized(message: "No access token for the recording service: the app could not provide one.")) {
            try await server.client(token: { throw NoSession() }).health()
        }
        #expect(server.requests.isEmpty)
    }

    @Test("a base URL with a path keeps it")
    func basePath() async throws {
        let server = FakeServer { _ in .encoded(RoomsResponse(rooms: [])) }
        let client = RecordingClient(baseURL: server.baseURL.appendingPathComponent("recording/"), token: { nil }, session: server.session)
        _ = try await client.rooms()
        #expect(server.requests.first?.rawPath == "/recording/api/rooms")
    }
}

final class Counter: Sendable {
    private let value = Synchronization.Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

import Synchronization

@Suite("RecordingClient: errors")
struct RecordingClientErrorTests {
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var status: Int
        var code: String
        var egressId: String? = nil
        var headers: [String: String] = [:]
        var expected: RecordingError
        var testDescription: String { "\(status) \(code)" }
    }

    static let message = "Something a person can act on."
    static let cases: [ErrorCase] = [
        ErrorCase(status: 409, code: APIErrorCode.alreadyRecording, egressId: "EG_on", expected: .alreadyRecording(egressId: "EG_on", message: message)),
        ErrorCase(status: 404, code: APIErrorCode.roomNotFound, expected: .roomNotFound(message: message)),
        ErrorCase(status: 404, code: APIErrorCode.notFound, expected: .notFound(message: message)),
        ErrorCase(status: 404, code: APIErrorCode.routeNotFound, expected: .invalidRequest(code: APIErrorCode.routeNotFound, message: message)),
        ErrorCase(status: 401, code: APIErrorCode.unauthorized, expected: .unauthorized(message: message)),
        ErrorCase(status: 401, code: APIErrorCode.tokenExpired, expected: .unauthorized(message: message)),
        ErrorCase(status: 403, code: APIErrorCode.forbidden, expected: .forbidden(message: message)),
        ErrorCase(status: 429, code: APIErrorCode.rateLimited, headers: ["Retry-After": "7"], expected: .rateLimited(retryAfter: 7, message: message)),
        ErrorCase(status: 503, code: APIErrorCode.livekitUnavailable, headers: ["Retry-After": "3"], expected: .serviceUnavailable(retryAfter: 3, message: message)),
        ErrorCase(status: 503, code: APIErrorCode.storageUnavailable, expected: .serviceUnavailable(retryAfter: nil, message: message)),
        ErrorCase(status: 503, code: APIErrorCode.databaseUnavailable, expected: .serviceUnavailable(retryAfter: nil, message: message)),
        ErrorCase(status: 409, code: APIErrorCode.notReady, expected: .notReady(message: message)),
        ErrorCase(status: 404, code: APIErrorCode.fileMissing, expected: .fileMissing(message: message)),
        ErrorCase(status: 400, code: APIErrorCode.badRequest, expected: .invalidRequest(code: APIErrorCode.badRequest, message: message)),
        ErrorCase(status: 400, code: APIErrorCode.invalidJSON, expected: .invalidRequest(code: APIErrorCode.invalidJSON, message: message)),
        ErrorCase(status: 400, code: APIErrorCode.invalidField, expected: .invalidRequest(code: APIErrorCode.invalidField, message: message)),
        ErrorCase(status: 400, code: APIErrorCode.missingField, expected: .invalidRequest(code: APIErrorCode.missingField, message: message)),
        ErrorCase(status: 400, code: APIErrorCode.invalidLayout, expected: .invalidRequest(code: APIErrorCode.invalidLayout, message: message)),
        ErrorCase(status: 400, code: APIErrorCode.invalidRoomName, expected: .invalidRequest(code: APIErrorCode.invalidRoomName, message: message)),
        ErrorCase(status: 400, code: APIErrorCode.invalidPreset, expected: .invalidRequest(code: APIErrorCode.invalidPreset, message: message)),
        ErrorCase(status: 405, code: APIErrorCode.methodNotAllowed, expected: .invalidRequest(code: APIErrorCode.methodNotAllowed, message: message)),
        ErrorCase(status: 409, code: APIErrorCode.recordingActive, expected: .invalidRequest(code: APIErrorCode.recordingActive, message: message)),
        ErrorCase(status: 409, code: APIErrorCode.notActive, expected: .invalidRequest(code: APIErrorCode.notActive, message: message)),
        ErrorCase(status: 413, code: APIErrorCode.payloadTooLarge, expected: .invalidRequest(code: APIErrorCode.payloadTooLarge, message: message)),
        ErrorCase(status: 502, code: APIErrorCode.livekitError, expected: .server(status: 502, code: APIErrorCode.livekitError, message: message)),
        ErrorCase(status: 500, code: APIErrorCode.internalError, expected: .server(status: 500, code: APIErrorCode.internalError, message: message)),
    ]

    @Test("every error code becomes its case, with the server's message", arguments: cases)
    func decodesErrorCode(_ errorCase: ErrorCase) async throws {
        let server = FakeServer { _ in .error(errorCase.status, code: errorCase.code, egressId: errorCase.egressId, headers: errorCase.headers) }
        let error = await #expect(throws: RecordingError.self) {
            try await server.client(retry: .none).downloadLink(egressId: "EG_1")
        }
        #expect(error == errorCase.expected)
        #expect(error?.message == Self.message)
    }

    @Test("an answer that is not the error shape still becomes an error that says what happened", arguments: [
        (502, RecordingError.server(status: 502, code: nil, message: "The recording service could not reach a service it depends on (HTTP 502). Try again shortly.")),
        (503, .serviceUnavailable(retryAfter: nil, message: "The recording service is unavailable right now (HTTP 503). Try again shortly.")),
        (404, .notFound(message: "The recording service answered HTTP 404 without an explanation.")),
        (401, .unauthorized(message: "The recording service answered HTTP 401 without an explanation.")),
    ])
    func nonJSONErrors(status: Int, expected: RecordingError) async throws {
        let server = FakeServer { _ in .response(status: status, headers: ["Content-Type": "text/html"], body: Data("<html>Bad Gateway</html>".utf8)) }
        await #expect(throws: expected) { try await server.client(retry: .none).rooms() }
    }

    @Test("a 200 that is not the promised JSON is a decoding error")
    func decodingError() async throws {
        let server = FakeServer { _ in .json(200, #"{"success":true,"egress":{"egressId":"EG_1"}}"#) }
        let error = await #expect(throws: RecordingError.self) { try await server.client().status(egressId: "EG_1") }
        guard case .decoding = error else { Issue.record("expected a decoding error, got \(String(describing: error))"); return }
    }

    @Test("Retry-After", arguments: [
        ("120", 120.0 as TimeInterval?),
        (" 0 ", 0),
        ("Sun, 28 Jan 2024 12:00:30 GMT", 30),
        ("Sun, 28 Jan 2024 11:00:00 GMT", 0),
        ("-5", nil),
        ("soon", nil),
        ("", nil),
    ])
    func retryAfter(header: String, seconds: TimeInterval?) {
        let now = Date(timeIntervalSince1970: 1_706_443_200)  // Sun, 28 Jan 2024 12:00:00 GMT
        #expect(RetryAfter.seconds(header: header, now: now) == seconds)
    }

    @Test("the body's retryAfterSeconds is used when there is no header")
    func retryAfterFromBody() async throws {
        let server = FakeServer { _ in .json(429, #"{"success":false,"code":"rate_limited","error":"Slow down.","retryAfterSeconds":4}"#) }
        await #expect(throws: RecordingError.rateLimited(retryAfter: 4, message: "Slow down.")) {
            try await server.client(retry: .none).rooms()
        }
    }
}
