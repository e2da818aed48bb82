import Foundation
import Testing
@testable import LiveKit

/// Fixtures shaped like the open-source server's Twirp answers (snake_case, every default
/// present, int64 as strings, enums by name, the request echoed with its S3 secret) and
/// like its webhooks (lowerCamelCase, defaults omitted).
@Suite struct ProtoJSONDecodingTests {
    static let serverEgressInfo = #"""
    {"egress_id":"EG_abc123","room_id":"RM_xyz","room_name":"!abc123:example.org","source_type":"EGRESS_SOURCE_TYPE_WEB",
     "status":"EGRESS_COMPLETE","started_at":"1706356800123456789","ended_at":"1706356860000000000","updated_at":"1706356861000000000",
     "details":"","error":"","error_code":0,
     "room_composite":{"room_name":"!abc123:example.org","layout":"grid-dark","audio_only":false,"audio_mixing":"DEFAULT_MIXING","video_only":false,
       "custom_base_url":"","file_outputs":[{"file_type":"MP4","filepath":"recordings/abc.mp4","disable_manifest":false,
       "s3":{"access_key":"AKIA","secret":"s3-secret-value","session_token":"","region":"us-east-1","endpoint":"http://minio:9000",
       "bucket":"livekit-recordings","force_path_style":true,"metadata":{},"tagging":"","content_disposition":""}}],
       "stream_outputs":[],"segment_outputs":[],"image_outputs":[],"webhooks":[],"preset":"H264_720P_30"},
     "stream_results":[],"file_results":[{"filename":"recordings/abc.mp4","started_at":"1706356800123456789","ended_at":"1706356860000000000",
       "duration":"59876543210","size":"1048576","location":"http://minio:9000/livekit-recordings/recordings/abc.mp4"}],
     "segment_results":[],"image_results":[],"manifest_location":"","backup_storage_used":false,"retry_count":0}
    """#

    static let camelEgressInfo = #"""
    {"egressId":"EG_abc123","roomId":"RM_xyz","roomName":"!abc123:example.org","status":3,"startedAt":1706356800123456789,
     "endedAt":"1706356860000000000","updatedAt":"1706356861000000000",
     "fileResults":[{"filename":"recordings/abc.mp4","startedAt":"1706356800123456789","endedAt":"1706356860000000000",
       "duration":"59876543210","size":"1048576","location":"http://minio:9000/livekit-recordings/recordings/abc.mp4"}],
     "someFutureField":{"nested":[1,2,3]}}
    """#

    static let expectedComplete = EgressInfo(
        egressId: "EG_abc123", roomId: "RM_xyz", roomName: "!abc123:example.org", status: .complete,
        startedAtNanos: 1_706_356_800_123_456_789, endedAtNanos: 1_706_356_860_000_000_000, updatedAtNanos: 1_706_356_861_000_000_000,
        fileResults: [FileInfo(filename: "recordings/abc.mp4", startedAtNanos: 1_706_356_800_123_456_789, endedAtNanos: 1_706_356_860_000_000_000,
                               durationNanos: 59_876_543_210, size: 1_048_576, location: "http://minio:9000/livekit-recordings/recordings/abc.mp4")])

    static func decode<T: Decodable>(_ text: String, as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    @Test(arguments: [serverEgressInfo, camelEgressInfo])
    func egressInfoInEitherKeyStyle(_ text: String) throws {
        let info: EgressInfo = try Self.decode(text)
        #expect(info == Self.expectedComplete)
        #expect(info.startedAt == Date(timeIntervalSince1970: 1_706_356_800.123456789))
        #expect(info.endedAt == Date(timeIntervalSince1970: 1_706_356_860))
        #expect(info.fileResults.first?.durationMilliseconds == 59_876)
    }

    @Test func startingEgressWithDefaultsOmitted() throws {
        let info: EgressInfo = try Self.decode(#"{"egressId":"EG_1","roomName":"room"}"#)
        #expect(info.status == .starting)
        #expect(info.startedAtNanos == 0)
        #expect(info.startedAt == nil)
        #expect(info.endedAt == nil)
        #expect(info.fileResults.isEmpty)
        #expect(info.errorCode == 0)
    }

    @Test func serverStyleDefaultsMeanNotYet() throws {
        let info: EgressInfo = try Self.decode(#"{"egress_id":"EG_1","room_id":"","room_name":"r","status":"EGRESS_STARTING","started_at":"0","ended_at":"0","updated_at":"0","error":"","error_code":0,"file_results":[],"file":null}"#)
        #expect(info.status == .starting)
        #expect(info.startedAt == nil)
        #expect(info.updatedAt == nil)
    }

    @Test func abortedEgressKeepsErrorAndCode() throws {
        let info: EgressInfo = try Self.decode(#"{"egress_id":"EG_2","status":"EGRESS_ABORTED","error":"Start signal not received","error_code":412}"#)
        #expect(info.status == .aborted)
        #expect(info.status.isTerminal)
        #expect(info.error == "Start signal not received")
        #expect(info.errorCode == 412)
    }

    @Test func legacySingleFileResultIsUsedWhenFileResultsIsEmpty() throws {
        let info: EgressInfo = try Self.decode(#"{"egress_id":"EG_3","status":"EGRESS_COMPLETE","file_results":[],"file":{"filename":"old.mp4","size":"7"}}"#)
        #expect(info.fileResults == [FileInfo(filename: "old.mp4", size: 7)])
    }

    @Test(arguments: EgressStatus.allCases)
    func statusByNameAndByNumber(_ status: EgressStatus) throws {
        let byName: EgressInfo = try Self.decode(#"{"status":"\#(status.name)"}"#)
        let byNumber: EgressInfo = try Self.decode(#"{"status":\#(status.rawValue)}"#)
        #expect(byName.status == status)
        #expect(byNumber.status == status)
    }

    @Test(arguments: [#"{"status":"EGRESS_EXPLODED"}"#, #"{"status":99}"#, #"{"started_at":"soon"}"#, #"{"started_at":true}"#, #"{"error_code":"99999999999"}"#])
    func wrongValuesAreErrors(_ text: String) {
        #expect(throws: DecodingError.self) { _ = try Self.decode(text, as: EgressInfo.self) }
    }

    @Test func listEgressPageWithNextToken() throws {
        let page: ListEgressResponse = try Self.decode(#"{"items":[\#(Self.serverEgressInfo)],"next_page_token":{"token":"page-2"}}"#)
        #expect(page.items == [Self.expectedComplete])
        #expect(page.nextPageToken == "page-2")
        let last: ListEgressResponse = try Self.decode(#"{"items":[]}"#)
        #expect(last.nextPageToken.isEmpty)
    }

    @Test func roomsInServerStyle() throws {
        let text = #"""
        {"rooms":[{"sid":"RM_1","name":"!abc:example.org","empty_timeout":300,"departure_timeout":20,"max_participants":0,
          "creation_time":"1706356800","creation_time_ms":"0","turn_password":"","enabled_codecs":[{"mime":"audio/opus","fmtp_line":""}],
          "metadata":"","num_participants":2,"num_publishers":1,"active_recording":true,"version":null}]}
        """#
        let rooms: ListRoomsResponse = try Self.decode(text)
        #expect(rooms.rooms == [Room(sid: "RM_1", name: "!abc:example.org", numParticipants: 2, creationTimeSeconds: 1_706_356_800, activeRecording: true)])
        #expect(rooms.rooms.first?.createdAt == Date(timeIntervalSince1970: 1_706_356_800))
    }

    @Test func roomCreationPrefersMilliseconds() throws {
        let room: Room = try Self.decode(#"{"name":"r","creationTime":"1706356800","creationTimeMs":"1706356800250"}"#)
        #expect(room.createdAt == Date(timeIntervalSince1970: 1_706_356_800.25))
    }

    @Test func participantsInBothStyles() throws {
        let server: ListParticipantsResponse = try Self.decode(#"{"participants":[{"sid":"PA_1","identity":"@alice:example.org","state":"ACTIVE","tracks":[],"metadata":"","joined_at":"1706356800","joined_at_ms":"0","name":"Alice","version":3,"permission":null,"region":"","is_publisher":true,"kind":"STANDARD","attributes":{}}]}"#)
        let camel: ListParticipantsResponse = try Self.decode(#"{"participants":[{"sid":"PA_1","identity":"@alice:example.org","state":2,"joinedAt":1706356800,"name":"Alice","isPublisher":true}]}"#)
        let expected = ParticipantInfo(sid: "PA_1", identity: "@alice:example.org", name: "Alice", state: .active, joinedAtSeconds: 1_706_356_800)
        #expect(server.participants == [expected])
        #expect(camel.participants == [expected])
        #expect(expected.joinedAt == Date(timeIntervalSince1970: 1_706_356_800))
    }

    @Test func webhookEventCamelCaseWithoutDefaults() throws {
        let text = #"{"event":"egress_started","egressInfo":{"egressId":"EG_1","roomId":"RM_1","roomName":"r","roomComposite":{"roomName":"r","fileOutputs":[{"s3":{"secret":"x"}}]},"updatedAt":"1706356800500000000"},"id":"EV_1","createdAt":"1706356801"}"#
        let event: WebhookEvent = try Self.decode(text)
        #expect(event.event == "egress_started")
        #expect(event.id == "EV_1")
        #expect(event.createdAt == Date(timeIntervalSince1970: 1_706_356_801))
        #expect(event.egressInfo == EgressInfo(egressId: "EG_1", roomId: "RM_1", roomName: "r", status: .starting, updatedAtNanos: 1_706_356_800_500_000_000))
        #expect(event.room == nil)
    }
}
