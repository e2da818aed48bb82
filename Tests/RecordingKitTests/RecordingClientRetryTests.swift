import Foundation
import Testing
@testable import RecordingKit
import RecordingModels

/// Answers the queued replies in order, then the last one forever.
func sequence(_ replies: [FakeReply]) -> FakeServer.Handler {
    let counter = Counter()
    return { _ in replies[min(counter.next(), replies.count) - 1] }
}

@Suite("RecordingClient: retries")
struct RecordingClientRetryTests {
    static let ok = FakeReply.encoded(RecordingStatusResponse(egress: Sample.recording()))

    @Test("transient failures of a read are retried with exponential backoff", arguments: [
        FakeReply.error(503, code: APIErrorCode.livekitUnavailable),
        .error(502, code: APIErrorCode.livekitError),
        .response(status: 504, headers: [:], body: Data()),
        .connectionLost,
    ])
    func retriesTransient(failure: FakeReply) async throws {
        let server = FakeServer(sequence([failure, failure, Self.ok]))
        let sleeps = SleepRecorder()
        let info = try await server.client(retry: .testing(recorder: sleeps)).status(egressId: "EG_1")
        #expect(info == Sample.recording())
        #expect(server.requests.count == 3)
        #expect(sleeps.recorded == [0.5, 1.0])
    }

    @Test("attempts are bounded; the last error reaches the caller")
    func boundedAttempts() async throws {
        let server = FakeServer { _ in .error(503, code: APIErrorCode.livekitUnavailable, message: "LiveKit is down.") }
        let sleeps = SleepRecorder()
        await #expect(throws: RecordingError.serviceUnavailable(retryAfter: nil, message: "LiveKit is down.")) {
            try await server.client(retry: .testing(maxAttempts: 4, recorder: sleeps)).rooms()
        }
        #expect(server.requests.count == 4)
        #expect(sleeps.recorded == [0.5, 1.0, 2.0])
    }

    @Test("jitter spreads the wait around the exponential value", arguments: [(0.0, 0.8), (0.5, 1.0), (0.999, 1.1996)])
    func jitter(random: Double, factor: Double) throws {
        let policy = RetryPolicy(baseDelay: 1, jitter: 0.2, random: { random })
        let delay = try #require(policy.delay(afterAttempt: 2, error: .transport("x")))
        #expect(abs(delay - 2 * factor) < 0.001)
    }

    @Test("the wait never exceeds maxDelay")
    func cappedDelay() {
        let policy = RetryPolicy(maxAttempts: 20, baseDelay: 1, maxDelay: 5, jitter: 0, random: { 0 })
        #expect(policy.delay(afterAttempt: 10, error: .transport("x")) == 5)
    }

    @Test("429 waits as long as Retry-After says")
    func honoursRetryAfter() async throws {
        let server = FakeServer(sequence([.error(429, code: APIErrorCode.rateLimited, headers: ["Retry-After": "2"]), .encoded(RoomsResponse(rooms: []))]))
        let sleeps = SleepRecorder()
        #expect(try await server.client(retry: .testing(recorder: sleeps)).rooms() == [])
        #expect(sleeps.recorded == [2])
    }

    @Test("a Retry-After beyond maxRetryAfter goes to the caller instead of being waited out")
    func tooLongRetryAfter() async throws {
        let server = FakeServer { _ in .error(429, code: APIErrorCode.rateLimited, headers: ["Retry-After": "3600"]) }
        let sleeps = SleepRecorder()
        await #expect(throws: RecordingError.rateLimited(retryAfter: 3600, message: "Something a person can act on.")) {
            try await server.client(retry: .testing(recorder: sleeps)).list()
        }
        #expect(server.requests.count == 1)
        #expect(sleeps.recorded.isEmpty)
    }

    @Test("errors that will not change are not retried", arguments: [
        FakeReply.error(404, code: APIErrorCode.notFound),
        .error(401, code: APIErrorCode.unauthorized),
        .error(403, code: APIErrorCode.forbidden),
        .error(400, code: APIErrorCode.badRequest),
        .error(500, code: APIErrorCode.internalError),
    ])
    func permanentNotRetried(failure: FakeReply) async throws {
        let server = FakeServer { _ in failure }
        let sleeps = SleepRecorder()
        await #expect(throws: RecordingError.self) { try await server.client(retry: .testing(recorder: sleeps)).status(egressId: "EG_1") }
        #expect(server.requests.count == 1)
        #expect(sleeps.recorded.isEmpty)
    }

    @Test("stop is idempotent by contract, so a lost answer is retried")
    func stopRetried() async throws {
        let stopped = StopRecordingResponse(recording: Sample.recording(status: .complete))
        let server = FakeServer(sequence([.connectionLost, .encoded(stopped)]))
        #expect(try await server.client().stop(egressId: "EG_1") == stopped)
        #expect(server.requests.map(\.path) == ["/api/recording/stop", "/api/recording/stop"])
    }

    @Test("delete and layout change are not retried")
    func nonIdempotentNotRetried() async throws {
        let server = FakeServer { _ in .connectionLost }
        let client = server.client()
        await #expect(throws: RecordingError.self) { try await client.delete(egressId: "EG_1") }
        await #expect(throws: RecordingError.self) { try await client.updateLayout(egressId: "EG_1", layout: .gridLight) }
        #expect(server.requests.count == 2)
    }

    @Test("a cancelled wait ends the call as cancelled")
    func cancelledSleep() async throws {
        let server = FakeServer { _ in .connectionLost }
        let policy = RetryPolicy(sleep: { _ in throw CancellationError() })
        await #expect(throws: RecordingError.cancelled) {
            try await RecordingClient(baseURL: server.baseURL, token: { nil }, session: server.session, retryPolicy: policy).rooms()
        }
    }
}

@Suite("RecordingClient: start recovers instead of retrying blindly")
struct RecordingClientStartTests {
    static let started = #"{"success":true,"egressId":"EG_new","status":"EGRESS_STARTING","roomName":"!abc:example.org","startedAt":"1706356800000"}"#

    @Test("409 on the first attempt: someone else records; the error names their recording")
    func conflictFirstAttempt() async throws {
        let server = FakeServer { _ in .error(409, code: APIErrorCode.alreadyRecording, message: "Already recorded.", egressId: "EG_other") }
        await #expect(throws: RecordingError.alreadyRecording(egressId: "EG_other", message: "Already recorded.")) {
            try await server.client().start(roomName: "!abc:example.org")
        }
        #expect(server.requests.count == 1)
    }

    @Test("answer lost, then 409 on the retry: our first attempt started it, so it is returned")
    func lostReplyThen409() async throws {
        let startAttempts = Counter()
        let server = FakeServer { request in
            switch request.path {
            case "/api/recording/start":
                // The first start goes through on the server, but its answer never arrives.
                startAttempts.next() == 1 ? .connectionLost : .error(409, code: APIErrorCode.alreadyRecording, egressId: "EG_mine")
            case "/api/recording/status/EG_mine": .encoded(RecordingStatusResponse(egress: Sample.recording("EG_mine", status: .starting)))
            default: .error(404, code: APIErrorCode.routeNotFound)
            }
        }
        let sleeps = SleepRecorder()
        let started = try await server.client(retry: .testing(recorder: sleeps)).start(roomName: "!abc:example.org")
        #expect(started.egressId == "EG_mine" && started.status == .starting)
        #expect(server.requests.map(\.path) == ["/api/recording/start", "/api/recording/start", "/api/recording/status/EG_mine"])
        #expect(sleeps.recorded == [0.5])
    }

    @Test("a 503 before anything started is retried, and the retry's answer returned")
    func unavailableThenStarted() async throws {
        let server = FakeServer(sequence([.error(503, code: APIErrorCode.livekitUnavailable), .json(200, Self.started)]))
        #expect(try await server.client().start(roomName: "!abc:example.org").egressId == "EG_new")
        #expect(server.requests.count == 2)
    }

    @Test("a refused start is not retried", arguments: [
        FakeReply.error(404, code: APIErrorCode.roomNotFound),
        .error(400, code: APIErrorCode.invalidLayout),
        .error(403, code: APIErrorCode.forbidden),
    ])
    func refusedNotRetried(reply: FakeReply) async throws {
        let server = FakeServer { _ in reply }
        await #expect(throws: RecordingError.self) { try await server.client().start(roomName: "!abc:example.org") }
        #expect(server.requests.count == 1)
    }
}
