import Crypto
import Foundation
import HTTPServer
import LiveKit
import Logging
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

@testable import RecordingServer

/// The whole router on in-memory fakes: every route's wire shape, status codes and
/// headers, without a socket (the e2e suites run the same routes as a process).
struct RouteHarness {
    static let room = "!abc123:example.org"
    static let operatorKey = "routes-operator-key-0123456789"
    let clock = ManualClock()
    let store = InMemoryRecordingStore()
    let liveKit: FakeLiveKit
    let storage = FakeObjectStorage()
    let logs = CapturingLogSink()
    let metrics = ServiceMetrics(version: "test")
    let router: Router

    init(environment overrides: [String: String] = [:], readinessFailure: String? = nil) throws {
        liveKit = FakeLiveKit(clock: clock)
        liveKit.addRoom(Self.room, participants: ["alice", "bob"])
        var environment = ConfigurationTests.minimal
        environment["RECORDING_API_KEYS"] = "ops:\(Self.operatorKey)"
        environment.merge(overrides) { _, new in new }
        let configuration = try Configuration.load(from: environment)
        let logger = Logger(label: "test", level: .trace, sink: logs)
        let service = RecordingService(
            store: store, egress: liveKit, rooms: liveKit, storage: storage,
            configuration: RecordingServiceConfiguration(stopWaitSeconds: 0), roomNameDigest: { Hex.encode(SHA256.hash($0)) },
            clock: clock, logger: logger)
        let verifier = TokenVerifier(apiKey: configuration.liveKit.apiKey, apiSecret: configuration.liveKit.apiSecret)
        let failure = readinessFailure
        router = Application.makeRouter(.init(
            auth: configuration.auth, service: service, store: store, rooms: liveKit,
            participantTokens: LiveKitParticipantTokens(verifier: verifier), webhooks: WebhookReceiver(verifier: verifier),
            readiness: [ReadinessCheck(name: "livekit") { if let failure { throw LiveKitFailure.unavailable(failure) } }],
            metrics: metrics, logger: logger))
    }

    /// A LiveKit participant token for `room`, signed with the configured secret.
    static func participantToken(identity: String = "alice", room: String = RouteHarness.room, grant: VideoGrant? = nil, secret: String? = nil) -> String {
        var token = AccessToken(apiKey: "APIkey123", apiSecret: secret ?? ConfigurationTests.minimal["LIVEKIT_API_SECRET"]!)
        token.identity = identity
        token.video = grant ?? VideoGrant(roomJoin: true, room: room)
        return token.toJWT()
    }

    func send(_ method: String, _ target: String, json: String? = nil, bearer: String? = RouteHarness.operatorKey, headers: HTTPHeaders = [:]) async throws -> Response {
        var headers = headers
        if let bearer { headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let request = try Request(method: method, target: target, headers: headers, body: Array((json ?? "").utf8), remoteAddress: "10.1.2.3")
        return await router.respond(to: request)
    }

    func start(_ room: String = RouteHarness.room) async throws -> String {
        let response = try await send("POST", "/api/recording/start", json: #"{"roomName":"\#(room)"}"#)
        return try #require(response.object["egressId"] as? String)
    }
}

extension Response {
    var object: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(bodyBytes))) as? [String: Any]) ?? [:] }
    var text: String { String(decoding: bodyBytes, as: UTF8.self) }
}

@Suite("Routes: the contract's shapes without a socket")
struct RoutesTests {
    @Test func startAnswersTheContractFields() async throws {
        let h = try RouteHarness()
        let response = try await h.send("POST", "/api/recording/start", json: #"{"roomName":"!abc123:example.org"}"#)
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/json")
        let body = response.object
        #expect(body["success"] as? Bool == true)
        #expect((body["egressId"] as? String)?.isEmpty == false)
        #expect(body["status"] as? String == "EGRESS_STARTING")
        #expect(body["roomName"] as? String == RouteHarness.room)
        #expect(body["layout"] as? String == "grid-dark")
        // Epoch milliseconds written as a JSON string.
        #expect((body["startedAt"] as? String).flatMap { Int64($0) } == 1_706_356_800_000)
    }

    @Test func statusKeepsUnknownTimesAsNull() async throws {
        let h = try RouteHarness()
        let egressId = try await h.start()
        let response = try await h.send("GET", "/api/recording/status/\(egressId)")
        #expect(response.status == 200)
        // `null`, not missing: the iOS app decodes these keys.
        #expect(response.text.contains(#""endedAt":null"#))
        #expect(response.text.contains(#""error":null"#))
        let egress = try #require(response.object["egress"] as? [String: Any])
        #expect(egress["startedBy"] as? String == "operator:ops")
    }

    @Test func listHasRecordingsAndANullCursorAtTheEnd() async throws {
        let h = try RouteHarness()
        let egressId = try await h.start()
        let response = try await h.send("GET", "/api/recording/list?limit=10")
        #expect(response.status == 200)
        #expect((response.object["recordings"] as? [[String: Any]])?.first?["egressId"] as? String == egressId)
        #expect(response.text.contains(#""nextCursor":null"#))
    }

    @Test func secondStartIsAConflictNamingTheActiveRecording() async throws {
        let h = try RouteHarness()
        let egressId = try await h.start()
        let response = try await h.send("POST", "/api/recording/start", json: #"{"roomName":"!abc123:example.org"}"#)
        #expect(response.status == 409)
        #expect(response.object["code"] as? String == "already_recording")
        #expect(response.object["egressId"] as? String == egressId)
        #expect(response.object["success"] as? Bool == false)
    }

    @Test func liveKitDownIs503WithRetryAfter() async throws {
        let h = try RouteHarness()
        h.liveKit.setUnavailable(true)
        let response = try await h.send("POST", "/api/recording/start", json: #"{"roomName":"!abc123:example.org"}"#)
        #expect(response.status == 503)
        #expect(response.object["code"] as? String == "livekit_unavailable")
        #expect(Int(response.headers["Retry-After"] ?? "") ?? 0 >= 1)
    }

    @Test(arguments: [
        ("POST", "/api/recording/start", #"{"roomName":"!nope:example.org"}"#, 404, "room_not_found"),
        ("POST", "/api/recording/stop", #"{"egressId":"EG_unknown"}"#, 404, "not_found"),
        // A NUL reached PostgreSQL cut short (libpq's C strings) and stopped `EG_1`.
        ("POST", "/api/recording/stop", #"{"egressId":"EG_1\u0000-not-this-one"}"#, 400, "invalid_field"),
        ("POST", "/api/recording/stop", #"{"egressId":""# + String(repeating: "E", count: 257) + #""}"#, 400, "invalid_field"),
        ("POST", "/api/recording/layout", #"{"egressId":"EG_1\u0007","layout":"grid-dark"}"#, 400, "invalid_field"),
        ("GET", "/api/recording/status/EG_unknown", "", 404, "not_found"),
        ("POST", "/api/recording/start", "{", 400, "invalid_json"),
        ("POST", "/api/recording/start", #"{"roomName":"r","layout":"mosaic"}"#, 400, "invalid_layout"),
        ("GET", "/api/recording/list?limit=0", "", 400, "invalid_field"),
        ("GET", "/api/recording/list?status=RUNNING", "", 400, "invalid_field"),
        ("GET", "/api/recording/list?cursor=bogus", "", 400, "invalid_field"),
        ("GET", "/api/recording/download/EG_unknown", "", 404, "not_found"),
        ("DELETE", "/api/recording/EG_unknown", "", 404, "not_found"),
        ("GET", "/api/nothing-here", "", 404, "route_not_found"),
        ("PUT", "/api/recording/start", "", 405, "method_not_allowed"),
    ])
    func errorsAreJSONWithTheRightStatus(method: String, target: String, body: String, status: Int, code: String) async throws {
        let h = try RouteHarness()
        let response = try await h.send(method, target, json: body)
        #expect(response.status == status, "\(response.text)")
        #expect(response.object["success"] as? Bool == false)
        #expect(response.object["code"] as? String == code)
        #expect((response.object["error"] as? String)?.isEmpty == false)
    }

    @Test func missingCredentialsAre401WithAChallenge() async throws {
        let h = try RouteHarness()
        let response = try await h.send("GET", "/api/recording/list", bearer: nil)
        #expect(response.status == 401)
        #expect(response.headers["WWW-Authenticate"] == "Bearer")
        #expect(response.object["code"] as? String == "unauthorized")
    }

    @Test func participantTokenIsScopedToItsRoom() async throws {
        let h = try RouteHarness()
        h.liveKit.addRoom("!other:example.org", participants: ["alice"])
        let token = RouteHarness.participantToken()
        let own = try await h.send("POST", "/api/recording/start", json: #"{"roomName":"!abc123:example.org"}"#, bearer: token)
        #expect(own.status == 200)
        let other = try await h.send("POST", "/api/recording/start", json: #"{"roomName":"!other:example.org"}"#, bearer: token)
        #expect(other.status == 403)
        #expect(try await h.send("GET", "/api/rooms", bearer: token).status == 403)
        #expect(try await h.send("GET", "/api/audit", bearer: token).status == 403)
        // The refusal is in the audit trail, with who and from where.
        let audit = try await h.send("GET", "/api/audit?limit=50")
        let entries = audit.object["entries"] as? [[String: Any]] ?? []
        #expect(entries.contains { $0["outcome"] as? String == "forbidden" && $0["actor"] as? String == "alice" && $0["remoteAddress"] as? String == "10.1.2.3" })
    }

    @Test func participantMustBeInTheCallToStartIt() async throws {
        let h = try RouteHarness()
        let token = RouteHarness.participantToken(identity: "mallory")
        let response = try await h.send("POST", "/api/recording/start", json: #"{"roomName":"!abc123:example.org"}"#, bearer: token)
        #expect(response.status == 403)
        let relaxed = try RouteHarness(environment: ["RECORDING_REQUIRE_PRESENCE": "false"])
        #expect(try await relaxed.send("POST", "/api/recording/start", json: #"{"roomName":"!abc123:example.org"}"#, bearer: token).status == 200)
    }

    @Test func tokenFromAnotherSecretIsRefused() async throws {
        let h = try RouteHarness()
        let forged = RouteHarness.participantToken(secret: "some-other-secret-of-sufficient-length")
        #expect(try await h.send("GET", "/api/recording/list", bearer: forged).status == 401)
    }

    @Test func participantsAreRateLimitedWithRetryAfter() async throws {
        let h = try RouteHarness(environment: ["RECORDING_RATE_LIMIT": "1", "RECORDING_RATE_BURST": "1"])
        let token = RouteHarness.participantToken()
        let egressId = try await h.start()
        #expect(try await h.send("POST", "/api/recording/stop", json: #"{"egressId":"\#(egressId)"}"#, bearer: token).status == 200)
        let limited = try await h.send("POST", "/api/recording/stop", json: #"{"egressId":"\#(egressId)"}"#, bearer: token)
        #expect(limited.status == 429)
        #expect(limited.object["code"] as? String == "rate_limited")
        #expect(Int(limited.headers["Retry-After"] ?? "") ?? 0 >= 1)
        // Operators are not limited by default.
        #expect(try await h.send("POST", "/api/recording/stop", json: #"{"egressId":"\#(egressId)"}"#).status == 200)
    }

    @Test func webhooksNeedLiveKitsSignatureOverTheExactBody() async throws {
        let h = try RouteHarness()
        let egressId = try await h.start()
        let body = #"{"event":"egress_updated","id":"EV_1","createdAt":"1706356805","egressInfo":{"egressId":"\#(egressId)","roomName":"!abc123:example.org","status":"EGRESS_ACTIVE","startedAt":"1706356801000000000","updatedAt":"1706356801000000000"}}"#
        var token = AccessToken(apiKey: "APIkey123", apiSecret: ConfigurationTests.minimal["LIVEKIT_API_SECRET"]!)
        token.sha256 = Data(SHA256.hash(body)).base64EncodedString()
        let signed: HTTPHeaders = ["Authorization": token.toJWT(), "Content-Type": "application/webhook+json"]

        let tampered = try await h.send("POST", "/webhooks/livekit", json: body.replacingOccurrences(of: "EV_1", with: "EV_2"), bearer: nil, headers: signed)
        #expect(tampered.status == 401)
        let accepted = try await h.send("POST", "/webhooks/livekit", json: body, bearer: nil, headers: signed)
        #expect(accepted.status == 200)
        let status = try await h.send("GET", "/api/recording/status/\(egressId)")
        #expect((status.object["egress"] as? [String: Any])?["status"] as? String == "EGRESS_ACTIVE")
        #expect((status.object["egress"] as? [String: Any])?["startedAt"] as? String == "1706356801000")
    }

    @Test func readinessNamesTheFailedDependency() async throws {
        #expect(try await RouteHarness().send("GET", "/ready", bearer: nil).status == 200)
        let response = try await RouteHarness(readinessFailure: "connection refused").send("GET", "/ready", bearer: nil)
        #expect(response.status == 503)
        let check = (response.object["checks"] as? [String: Any])?["livekit"] as? [String: Any]
        #expect(check?["ok"] as? Bool == false)
        #expect(check?["error"] as? String == "connection refused")
    }

    @Test func metricsCountRequestsAndCanRequireAToken() async throws {
        let h = try RouteHarness(environment: ["METRICS_TOKEN": "metrics-token-0123456789"])
        _ = try await h.start()
        #expect(try await h.send("GET", "/metrics", bearer: nil).status == 401)
        let scrape = try await h.send("GET", "/metrics", bearer: "metrics-token-0123456789")
        #expect(scrape.status == 200)
        #expect(scrape.text.contains("recording_api_recordings_started_total 1"))
        #expect(scrape.text.contains("recording_api_recordings_active 1"))
        #expect(!scrape.text.contains(RouteHarness.room))
    }

    @Test func openAPIDocumentIsServed() async throws {
        let response = try await RouteHarness().send("GET", "/openapi.json", bearer: nil)
        #expect(response.status == 200)
        #expect(response.object["openapi"] as? String == "3.1.0")
    }
}
