import Crypto
import Foundation
import Testing
@testable import LiveKit

/// Our tokens, webhooks, requests and decoders against LiveKit's own Python code
/// (livekit-api, livekit-protocol) run from tools/crosscheck/livekit.
@Suite(.enabled(if: CrossCheck.shouldRun, "needs TEST_PYTHON with livekit-api and livekit-protocol"))
struct LiveKitCrossCheckTests {
    static let apiKey = "APIcrosscheck"
    static let apiSecret = "crosscheck-secret-0123456789abcdef0123"

    // MARK: Tokens

    static let grants: [VideoGrant] = [
        .egress, .listRooms, .administer(room: "!abc:example.org"),
        VideoGrant(roomCreate: true, roomList: false, roomRecord: true, roomAdmin: true, roomJoin: true, room: "r+/=", canPublish: false, canSubscribe: true, canPublishData: false, hidden: true, recorder: true),
    ]

    @Test(arguments: grants)
    func ourTokenIsAcceptedByLiveKitVerifierWithGrantsIntact(_ grant: VideoGrant) throws {
        var token = AccessToken(apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        token.identity = "recorder-ß"
        token.name = "Récorder \"1\""
        token.metadata = #"{"a":[1,2]}"#
        token.video = grant
        let result = try CrossCheck.run("tokens.py", ["verify"], input: ["api_key": Self.apiKey, "api_secret": Self.apiSecret, "token": token.toJWT()])
        #expect(result.status == 0, "\(result.output) \(result.errorOutput)")
        let claims = try result.json()
        #expect(claims["identity"] as? String == "recorder-ß")
        #expect(claims["name"] as? String == "Récorder \"1\"")
        #expect(claims["metadata"] as? String == #"{"a":[1,2]}"#)
        let video = try #require(claims["video"] as? [String: Any])
        // livekit-api fills what the token leaves out with its defaults: compare what we set.
        for (key, value) in grant.jsonMembers {
            switch value {
            case .bool(let flag): #expect(video[key] as? Bool == flag, "\(key)")
            case .string(let text): #expect(video[key] as? String == text, "\(key)")
            default: Issue.record("unexpected grant value for \(key)")
            }
        }
        #expect((video["room"] as? String ?? "") == (grant.room ?? ""))
    }

    @Test func liveKitRefusesOurTokenSignedWithAnotherSecret() throws {
        let token = AccessToken(apiKey: Self.apiKey, apiSecret: "not-the-secret-0123456789abcdef01234").toJWT()
        let result = try CrossCheck.run("tokens.py", ["verify"], input: ["api_key": Self.apiKey, "api_secret": Self.apiSecret, "token": token])
        #expect(result.status == 1)
        #expect(result.output.contains("InvalidSignatureError"))
    }

    @Test func liveKitTokenIsAcceptedByOurVerifierWithGrantsIntact() throws {
        let input: [String: Any] = [
            "api_key": Self.apiKey, "api_secret": Self.apiSecret, "identity": "@alice:example.org", "name": "Alice",
            "metadata": "m", "video": ["roomAdmin": true, "room": "!abc:example.org", "roomList": true, "hidden": false], "ttl_seconds": 600,
        ]
        let result = try CrossCheck.run("tokens.py", ["mint"], input: input)
        let token = try #require(try result.json()["token"] as? String, "\(result.errorOutput)")
        let claims = try TokenVerifier(apiKey: Self.apiKey, apiSecret: Self.apiSecret).verify(token)
        #expect(claims.identity == "@alice:example.org")
        #expect(claims.name == "Alice")
        #expect(claims.metadata == "m")
        #expect(claims.video == VideoGrant(roomList: true, roomAdmin: true, room: "!abc:example.org", canPublish: true, canSubscribe: true, canPublishData: true, hidden: false))
        #expect(throws: TokenVerificationError.wrongIssuer) { try TokenVerifier(apiKey: "APIother", apiSecret: Self.apiSecret).verify(token) }
    }

    @Test(arguments: [0, 1, 2, 3])
    func sameClaimsSameSecondGiveTheSameTokenAsLiveKit(_ index: Int) throws {
        // livekit-api always writes canPublish/canSubscribe/canPublishData (default true).
        var grant = Self.grants[index]
        grant.canPublish = grant.canPublish ?? true
        grant.canSubscribe = grant.canSubscribe ?? true
        grant.canPublishData = grant.canPublishData ?? true
        let now = 1_733_000_000 + index
        var token = AccessToken(apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        token.identity = index % 2 == 0 ? "" : "bot-\(index)"
        token.name = index == 3 ? "Zoë" : nil
        token.video = grant
        token.ttl = 600
        let videoObject = Dictionary(uniqueKeysWithValues: grant.jsonMembers.map { key, value -> (String, Any) in
            switch value {
            case .bool(let flag): (key, flag)
            case .string(let text): (key, text)
            default: (key, NSNull())
            }
        })
        var input: [String: Any] = ["api_key": Self.apiKey, "api_secret": Self.apiSecret, "now": now, "identity": token.identity, "video": videoObject, "ttl_seconds": 600]
        if let name = token.name { input["name"] = name }
        let result = try CrossCheck.run("tokens.py", ["mint"], input: input)
        let theirs = try #require(try result.json()["token"] as? String, "\(result.errorOutput)")
        #expect(token.toJWT(now: Date(timeIntervalSince1970: TimeInterval(now))) == theirs)
    }

    // MARK: Webhooks

    @Test func webhookSignedAsLiveKitSignsIsAcceptedAndOneChangedByteIsNot() throws {
        let body = try Self.render("livekit.WebhookEvent", style: "webhook", [
            "event": "egress_updated", "id": "EV_1", "createdAt": "1706356861",
            "egressInfo": ["egressId": "EG_1", "roomName": "!abc:example.org", "status": "EGRESS_ACTIVE", "startedAt": "1706356800123456789",
                           "roomComposite": ["roomName": "!abc:example.org", "fileOutputs": [["s3": ["secret": "s3-secret", "forcePathStyle": true]]]]],
        ])
        let signed = try CrossCheck.run("sign_webhook.py", input: ["api_key": Self.apiKey, "api_secret": Self.apiSecret, "body": body])
        let authorization = try #require(try signed.json()["authorization"] as? String, "\(signed.errorOutput)")
        let receiver = WebhookReceiver(verifier: TokenVerifier(apiKey: Self.apiKey, apiSecret: Self.apiSecret))

        let event = try receiver.receive(body: Array(body.utf8), authorization: authorization)
        #expect(event.event == "egress_updated")
        #expect(event.createdAt == Date(timeIntervalSince1970: 1_706_356_861))
        #expect(event.egressInfo == EgressInfo(egressId: "EG_1", roomName: "!abc:example.org", status: .active, startedAtNanos: 1_706_356_800_123_456_789))

        var tampered = Array(body.utf8)
        let index = try #require(tampered.firstIndex(of: UInt8(ascii: "1")))
        tampered[index] = UInt8(ascii: "2")
        #expect(throws: WebhookError.bodyHashMismatch) { try receiver.receive(body: tampered, authorization: authorization) }
    }

    // MARK: Requests against the schema, unknown fields rejected

    static let s3 = S3Upload(
        accessKey: "AKIA", secret: "s3-secret", region: "us-east-1", endpoint: "http://minio:9000", bucket: "livekit-recordings",
        forcePathStyle: true, metadata: ["room-name": "!abc:example.org", "started-by": "api"], contentDisposition: "attachment; filename=\"abc.mp4\"")

    static func encoded(_ value: some Encodable) throws -> String {
        String(decoding: try TwirpClient.encoder.encode(value), as: UTF8.self)
    }

    static func requests() throws -> [(String, String)] {
        [
            ("livekit.RoomCompositeEgressRequest", try encoded(RoomCompositeEgressRequest(
                roomName: "!abc:example.org", layout: "speaker-dark", encoding: .preset(.h264_1080p_30),
                fileOutputs: [EncodedFileOutput(filepath: "recordings/abc_20240127T120000Z.mp4", s3: s3)]))),
            ("livekit.RoomCompositeEgressRequest", try encoded(RoomCompositeEgressRequest(
                roomName: "r", audioOnly: true,
                encoding: .advanced(EncodingOptions(width: 1280, height: 720, depth: 24, framerate: 30, audioCodec: .opus, audioBitrate: 128, audioFrequency: 48000, videoCodec: .h264Main, videoBitrate: 3000, keyFrameInterval: 2)),
                fileOutputs: [EncodedFileOutput(fileType: .mp4, filepath: "k.mp4", s3: s3)]))),
            ("livekit.StopEgressRequest", try encoded(StopEgressRequest(egressId: "EG_1"))),
            ("livekit.ListEgressRequest", try encoded(ListEgressRequest(roomName: "r", egressId: "EG_1", active: true, pageToken: TokenPagination(token: "p2")))),
            ("livekit.ListEgressRequest", try encoded(ListEgressRequest(roomName: nil, egressId: nil, active: false, pageToken: nil))),
            ("livekit.UpdateLayoutRequest", try encoded(UpdateLayoutRequest(egressId: "EG_1", layout: "grid-light"))),
            ("livekit.ListRoomsRequest", try encoded(ListRoomsRequest(names: ["a", "!b:c"]))),
            ("livekit.ListParticipantsRequest", try encoded(ListParticipantsRequest(room: "!b:c"))),
        ]
    }

    static func parse(_ type: String, _ json: String) throws -> CrossCheck.Result {
        try CrossCheck.run("parse_request.py", input: ["type": type, "json": json])
    }

    @Test func everyRequestParsesWithLiveKitSchemaStrictly() throws {
        for (type, json) in try Self.requests() {
            let result = try Self.parse(type, json)
            #expect(result.status == 0, "\(type) \(json): \(result.output) \(result.errorOutput)")
        }
    }

    @Test func startRequestKeepsEveryS3FieldThroughLiveKitSchema() throws {
        let (type, json) = try Self.requests()[0]
        let parsed = try #require(try Self.parse(type, json).json()["parsed"] as? [String: Any])
        #expect(parsed["room_name"] as? String == "!abc:example.org")
        #expect(parsed["layout"] as? String == "speaker-dark")
        #expect(parsed["preset"] as? String == "H264_1080P_30")
        let output = try #require((parsed["file_outputs"] as? [[String: Any]])?.first)
        #expect(output["file_type"] as? String == "MP4")
        #expect(output["filepath"] as? String == "recordings/abc_20240127T120000Z.mp4")
        let s3 = try #require(output["s3"] as? [String: Any])
        #expect(s3["access_key"] as? String == "AKIA")
        #expect(s3["secret"] as? String == "s3-secret")
        #expect(s3["region"] as? String == "us-east-1")
        #expect(s3["endpoint"] as? String == "http://minio:9000")
        #expect(s3["bucket"] as? String == "livekit-recordings")
        #expect(s3["force_path_style"] as? Bool == true)
        #expect(s3["metadata"] as? [String: String] == ["room-name": "!abc:example.org", "started-by": "api"])
        #expect(s3["content_disposition"] as? String == "attachment; filename=\"abc.mp4\"")
    }

    /// Proves the check bites: LiveKit itself would drop these fields without a word.
    @Test(arguments: [("force_path_style", "force_pathstyle"), ("file_outputs", "file_output"), ("room_name", "roomname")])
    func misspeltFieldIsRejectedBySchema(_ field: String, _ misspelt: String) throws {
        let (type, json) = try Self.requests()[0]
        #expect(json.contains("\"\(field)\""))
        let result = try Self.parse(type, json.replacingOccurrences(of: "\"\(field)\"", with: "\"\(misspelt)\""))
        #expect(result.status == 1)
        #expect(result.output.contains(misspelt))
    }

    // MARK: Responses written by LiveKit's own serializer

    static func render(_ type: String, style: String, _ message: [String: Any]) throws -> String {
        let result = try CrossCheck.run("render_message.py", [style], input: ["type": type, "message": message])
        guard result.status == 0 else { throw CrossCheck.ScriptFailed(script: "render_message.py", errorOutput: result.errorOutput) }
        return result.output
    }

    static var egressMessage: [String: Any] { [
        "egressId": "EG_1", "roomId": "RM_1", "roomName": "!abc:example.org", "status": "EGRESS_LIMIT_REACHED",
        "startedAt": "1706356800123456789", "endedAt": "1706360400000000000", "updatedAt": "1706360400000000001",
        "error": "limit reached", "errorCode": 413,
        "roomComposite": ["roomName": "!abc:example.org", "fileOutputs": [["s3": ["secret": "s3-secret"]]]],
        "fileResults": [["filename": "a.mp4", "duration": "3599876543210", "size": "123456789", "location": "s3://b/a.mp4"]],
    ] }

    static let egressExpected = EgressInfo(
        egressId: "EG_1", roomId: "RM_1", roomName: "!abc:example.org", status: .limitReached,
        startedAtNanos: 1_706_356_800_123_456_789, endedAtNanos: 1_706_360_400_000_000_000, updatedAtNanos: 1_706_360_400_000_000_001,
        error: "limit reached", errorCode: 413,
        fileResults: [FileInfo(filename: "a.mp4", durationNanos: 3_599_876_543_210, size: 123_456_789, location: "s3://b/a.mp4")])

    @Test(arguments: ["server", "webhook"])
    func egressInfoAsLiveKitWritesIt(_ style: String) throws {
        let text = try Self.render("livekit.EgressInfo", style: style, Self.egressMessage)
        #expect(text.contains(style == "server" ? "\"egress_id\"" : "\"egressId\""))
        let info = try JSONDecoder().decode(EgressInfo.self, from: Data(text.utf8))
        #expect(info == Self.egressExpected)
    }

    @Test(arguments: ["server", "webhook"])
    func startingEgressAsLiveKitWritesIt(_ style: String) throws {
        let text = try Self.render("livekit.EgressInfo", style: style, ["egressId": "EG_2", "roomName": "r"])
        let info = try JSONDecoder().decode(EgressInfo.self, from: Data(text.utf8))
        #expect(info == EgressInfo(egressId: "EG_2", roomName: "r", status: .starting))
        #expect(info.startedAt == nil)
    }

    @Test func roomsAndParticipantsAsLiveKitWritesThem() throws {
        let rooms = try Self.render("livekit.ListRoomsResponse", style: "server", ["rooms": [
            ["sid": "RM_1", "name": "!abc:example.org", "numParticipants": 3, "creationTime": "1706356800", "activeRecording": true, "metadata": "x"],
        ]])
        #expect(try JSONDecoder().decode(ListRoomsResponse.self, from: Data(rooms.utf8)).rooms == [
            Room(sid: "RM_1", name: "!abc:example.org", numParticipants: 3, creationTimeSeconds: 1_706_356_800, activeRecording: true, metadata: "x"),
        ])
        let participants = try Self.render("livekit.ListParticipantsResponse", style: "server", ["participants": [
            ["sid": "PA_1", "identity": "@alice:example.org", "name": "Alice", "state": "JOINED", "joinedAt": "1706356800"],
        ]])
        #expect(try JSONDecoder().decode(ListParticipantsResponse.self, from: Data(participants.utf8)).participants == [
            ParticipantInfo(sid: "PA_1", identity: "@alice:example.org", name: "Alice", state: .joined, joinedAtSeconds: 1_706_356_800),
        ])
    }

    @Test func paginatedListAsLiveKitWritesIt() throws {
        let text = try Self.render("livekit.ListEgressResponse", style: "server", ["items": [Self.egressMessage], "nextPageToken": ["token": "next"]])
        let page = try JSONDecoder().decode(ListEgressResponse.self, from: Data(text.utf8))
        #expect(page.items == [Self.egressExpected])
        #expect(page.nextPageToken == "next")
    }
}
