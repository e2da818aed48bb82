import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Synchronization
import Testing
@testable import LiveKit

@Suite struct TwirpClientTests {
    static let startRequest = RoomCompositeEgressRequest(
        roomName: "!abc:example.org", layout: "grid-dark", encoding: .preset(.h264_720p_30),
        fileOutputs: [EncodedFileOutput(filepath: "recordings/abc.mp4", s3: S3Upload(
            accessKey: "AKIA", secret: "s3-secret", region: "us-east-1", endpoint: "http://minio:9000",
            bucket: "livekit-recordings", forcePathStyle: true, metadata: ["room": "!abc:example.org"]))])

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func startPostsJSONToTheTwirpRouteWithAnEgressOnlyToken() async throws {
        let log = RequestLog()
        let stub = StubbedLiveKit(prefix: "/livekit/") { request in
            log.append(request)
            return .http(status: 200, body: #"{"egress_id":"EG_1","room_name":"!abc:example.org","status":"EGRESS_STARTING","started_at":"0"}"#)
        }
        let info = try await stub.egress.startRoomCompositeEgress(Self.startRequest)
        #expect(info == EgressInfo(egressId: "EG_1", roomName: "!abc:example.org", status: .starting))

        let request = try #require(log.all.first)
        #expect(request.method == "POST")
        #expect(request.url.absoluteString == "https://\(stub.host)/livekit/twirp/livekit.Egress/StartRoomCompositeEgress")
        #expect(request.headers["Content-Type"] == "application/json")
        let authorization = try #require(request.headers["Authorization"])
        #expect(authorization.hasPrefix("Bearer "))
        let claims = try stub.verifier.verify(String(authorization.dropFirst("Bearer ".count)))
        #expect(claims.video == VideoGrant(roomRecord: true))
        #expect(claims.expiresAt.timeIntervalSince(try #require(claims.notBefore)) == 600)

        let body = try Self.json(request.body)
        #expect(body["room_name"] as? String == "!abc:example.org")
        #expect(body["preset"] as? String == "H264_720P_30")
        let output = try #require((body["file_outputs"] as? [[String: Any]])?.first)
        #expect(output["file_type"] as? String == "MP4")
        let s3 = try #require(output["s3"] as? [String: Any])
        #expect(s3["force_path_style"] as? Bool == true)
        #expect(s3["metadata"] as? [String: String] == ["room": "!abc:example.org"])
    }

    @Test func everyCallMintsItsOwnToken() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_700_000_000))
        let log = RequestLog()
        let stub = StubbedLiveKit(now: { clock.withLock { $0 } }) { request in
            log.append(request)
            return .http(status: 200, body: #"{"egress_id":"EG_1","status":"EGRESS_ENDING"}"#)
        }
        _ = try await stub.egress.stopEgress(egressId: "EG_1")
        clock.withLock { $0 = $0.addingTimeInterval(30) }
        _ = try await stub.egress.updateLayout(egressId: "EG_1", layout: "speaker-light")
        let tokens = log.all.compactMap { $0.headers["Authorization"] }
        #expect(tokens.count == 2)
        #expect(Set(tokens).count == 2)
        #expect(log.all.map(\.url.lastPathComponent) == ["StopEgress", "UpdateLayout"])
        #expect(try Self.json(log.all[1].body) as NSDictionary == ["egress_id": "EG_1", "layout": "speaker-light"] as NSDictionary)
    }

    @Test func roomServiceCallsCarryOnlyTheirGrants() async throws {
        let log = RequestLog()
        let stub = StubbedLiveKit { request in
            log.append(request)
            return request.url.lastPathComponent == "ListRooms"
                ? .http(status: 200, body: #"{"rooms":[{"sid":"RM_1","name":"r","num_participants":1,"creation_time":"1706356800","active_recording":false}]}"#)
                : .http(status: 200, body: #"{"participants":[{"identity":"alice","state":"ACTIVE"}]}"#)
        }
        let rooms = try await stub.rooms.listRooms(names: ["r"])
        let participants = try await stub.rooms.listParticipants(room: "r")
        #expect(rooms.map(\.name) == ["r"])
        #expect(participants.map(\.identity) == ["alice"])
        let grants = try log.all.map { try stub.verifier.verify(String($0.headers["Authorization"]!.dropFirst(7))).video }
        #expect(grants == [VideoGrant(roomList: true), VideoGrant(roomAdmin: true, room: "r")])
        #expect(try Self.json(log.all[0].body) as NSDictionary == ["names": ["r"]] as NSDictionary)
        #expect(try Self.json(log.all[1].body) as NSDictionary == ["room": "r"] as NSDictionary)
    }

    @Test func listEgressFollowsPageTokensUntilEmpty() async throws {
        let log = RequestLog()
        let stub = StubbedLiveKit { request in
            log.append(request)
            let token = ((try? JSONSerialization.jsonObject(with: request.body) as? [String: Any])?["page_token"] as? [String: Any])?["token"] as? String
            switch token {
            case nil: return .http(status: 200, body: #"{"items":[{"egress_id":"EG_1"},{"egress_id":"EG_2"}],"next_page_token":{"token":"p2"}}"#)
            case "p2": return .http(status: 200, body: #"{"items":[{"egress_id":"EG_3"}],"next_page_token":{"token":"p3"}}"#)
            default: return .http(status: 200, body: #"{"items":[],"next_page_token":{"token":""}}"#)
            }
        }
        let items = try await stub.egress.listEgress(roomName: "r", active: true)
        #expect(items.map(\.egressId) == ["EG_1", "EG_2", "EG_3"])
        let bodies = try log.all.map { try Self.json($0.body) as NSDictionary }
        #expect(bodies == [
            ["room_name": "r", "active": true],
            ["room_name": "r", "active": true, "page_token": ["token": "p2"]],
            ["room_name": "r", "active": true, "page_token": ["token": "p3"]],
        ] as [NSDictionary])
    }

    @Test func listEgressStopsOnARepeatedPageToken() async {
        let stub = StubbedLiveKit { _ in .http(status: 200, body: #"{"items":[{"egress_id":"EG_1"}],"next_page_token":{"token":"again"}}"#) }
        await #expect(throws: LiveKitError.invalidResponse("ListEgress returned the same page token twice")) {
            _ = try await stub.egress.listEgress()
        }
    }

    static let answers: [(StubURLProtocol.Answer, LiveKitError)] = [
        (.http(status: 404, body: #"{"code":"not_found","msg":"requested room does not exist"}"#),
         .twirp(TwirpError(code: "not_found", message: "requested room does not exist", httpStatus: 404))),
        (.http(status: 412, body: #"{"code":"failed_precondition","msg":"egress with status EGRESS_COMPLETE cannot be stopped","meta":{"status":"EGRESS_COMPLETE"}}"#),
         .twirp(TwirpError(code: "failed_precondition", message: "egress with status EGRESS_COMPLETE cannot be stopped", httpStatus: 412, meta: ["status": "EGRESS_COMPLETE"]))),
        (.http(status: 503, body: #"{"code":"unavailable","msg":"no response from servers"}"#),
         .twirp(TwirpError(code: "unavailable", message: "no response from servers", httpStatus: 503))),
        (.http(status: 408, body: #"{"code":"deadline_exceeded","msg":"no response from servers"}"#),
         .twirp(TwirpError(code: "deadline_exceeded", message: "no response from servers", httpStatus: 408))),
        (.http(status: 401, body: "invalid token: ..., error: go-jose/go-jose: error in cryptographic primitive\n", contentType: "text/plain; charset=utf-8"),
         .unauthenticated(message: "invalid token: ..., error: go-jose/go-jose: error in cryptographic primitive")),
        (.http(status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>", contentType: "text/html"),
         .httpStatus(502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>")),
        (.http(status: 500, body: "upstream connect error", contentType: "text/plain"), .httpStatus(500, body: "upstream connect error")),
        (.failure(.cannotConnectToHost), .connectionRefused("StopEgress: URLError -1004")),
        (.failure(.timedOut), .timedOut("StopEgress: URLError -1001")),
        (.failure(.cannotFindHost), .hostNotFound("StopEgress: URLError -1003")),
        (.failure(.secureConnectionFailed), .transport("StopEgress: URLError -1200")),
    ]

    @Test(arguments: answers)
    func failuresKeepTheirClass(_ answer: StubURLProtocol.Answer, _ expected: LiveKitError) async {
        let stub = StubbedLiveKit { _ in answer }
        await #expect(throws: expected) { _ = try await stub.egress.stopEgress(egressId: "EG_1") }
    }

    @Test func successWithAnUnreadableBodyIsAnInvalidResponse() async {
        let stub = StubbedLiveKit { _ in .http(status: 200, body: "<html>captive portal</html>", contentType: "text/html") }
        await #expect {
            _ = try await stub.egress.stopEgress(egressId: "EG_1")
        } throws: { error in
            guard case .invalidResponse = error as? LiveKitError else { return false }
            return true
        }
    }

    @Test func logLinesNameTheCallButNeverTheTokenOrSecret() async throws {
        let sink = CapturingLogSink()
        let tokens = RequestLog()
        let stub = StubbedLiveKit(logger: Logger(label: "livekit", level: .trace, sink: sink)) { request in
            tokens.append(request)
            return request.url.lastPathComponent == "StopEgress"
                ? .http(status: 200, body: #"{"egress_id":"EG_1"}"#)
                : .http(status: 401, body: "no", contentType: "text/plain")
        }
        _ = try await stub.egress.stopEgress(egressId: "EG_1")
        _ = try? await stub.egress.updateLayout(egressId: "EG_1", layout: "grid-dark")
        let lines = sink.lines
        #expect(lines.count == 2)
        #expect(lines.first?.contains("Egress/StopEgress") == true)
        for line in lines {
            #expect(!line.contains(StubbedLiveKit.apiSecret))
            for request in tokens.all {
                #expect(!line.contains(String(request.headers["Authorization"]!.dropFirst(7))))
            }
        }
    }

    @Test func anEchoedTokenIsRedactedFromErrors() async throws {
        let stub = StubbedLiveKit { request in
            .http(status: 401, body: "bad header: \(request.headers["Authorization"] ?? "")", contentType: "text/plain")
        }
        do {
            _ = try await stub.egress.stopEgress(egressId: "EG_1")
            Issue.record("a 401 was taken for success")
        } catch {
            #expect(error == .unauthenticated(message: "bad header: Bearer <token>"))
            #expect(!error.description.contains("eyJ"))
        }
    }
}

/// The transport failures that a stub cannot fake, against real sockets on the loopback interface.
@Suite struct TwirpTransportTests {
    /// A port that nothing listens on: bound, then released.
    static func closedPort() throws -> UInt16 {
        let listener = try LoopbackListener()
        return listener.port
    }

    /// FoundationNetworking on Linux truncates timeouts to whole seconds (0.5 s became an
    /// immediate timeout here), so the session rounds them up.
    @Test func subSecondTimeoutsAreRoundedUpToWholeSeconds() throws {
        let connection = try LiveKitConnection(url: "http://127.0.0.1:1", apiKey: "k", apiSecret: "s", connectTimeout: 0.5, requestTimeout: 2.2)
        let configuration = TwirpClient.makeSession(connection).configuration
        #expect(configuration.timeoutIntervalForRequest == 1)
        #expect(configuration.timeoutIntervalForResource == 3)
    }

    @Test func connectionRefused() async throws {
        let port = try Self.closedPort()
        let connection = try LiveKitConnection(url: "ws://127.0.0.1:\(port)", apiKey: "k", apiSecret: "s", connectTimeout: 2, requestTimeout: 4)
        await #expect {
            _ = try await EgressClient(connection: connection).stopEgress(egressId: "EG_1")
        } throws: { error in
            guard case .connectionRefused = error as? LiveKitError else { return false }
            return true
        }
    }

    @Test func silentServerTimesOut() async throws {
        let listener = try LoopbackListener()
        defer { withExtendedLifetime(listener) {} }
        let connection = try LiveKitConnection(url: "http://127.0.0.1:\(listener.port)", apiKey: "k", apiSecret: "s", connectTimeout: 1, requestTimeout: 2)
        await #expect {
            _ = try await EgressClient(connection: connection).stopEgress(egressId: "EG_1")
        } throws: { error in
            guard case .timedOut = error as? LiveKitError else { return false }
            return true
        }
    }
}
