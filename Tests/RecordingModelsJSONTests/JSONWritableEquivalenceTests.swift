import Foundation
import JSONWriting
import RecordingModels
import RecordingModelsJSON
import Testing

/// The hand-written encodings against JSONEncoder, byte for byte, and back through
/// JSONDecoder (what RecordingKit decodes responses with) to the same value.
@Suite("JSONWritable models: the same bytes as JSONEncoder")
struct JSONWritableEquivalenceTests {
    static let seeds: [UInt64] = Array(1...400)

    @Test("random recordings, pages and errors", arguments: seeds)
    func randomValues(seed: UInt64) throws {
        var random = RandomModels(seed: seed)
        let recording = random.recording()
        try expectSameBytes(recording, seed: seed)
        try expectSameBytes(RecordingStatusResponse(egress: recording), seed: seed)
        try expectSameBytes(StartRecordingResponse(recording: recording), seed: seed)
        try expectSameBytes(StopRecordingResponse(recording: recording), seed: seed)
        try expectSameBytes(random.list(), seed: seed)
        try expectSameBytes(random.error(), seed: seed)
        if let file = recording.file { try expectSameBytes(file, seed: seed) }
    }

    /// The writer grows its buffer as it goes: the bytes must not depend on where it grew.
    @Test("the same bytes from any starting capacity", arguments: [UInt64(1), 2, 3])
    func startingCapacity(seed: UInt64) {
        var random = RandomModels(seed: seed)
        let page = random.list()
        let expected = page.jsonBytes()
        for capacity in [0, 1, 2, 7, 64, 4096, expected.count, expected.count - 1] {
            var writer = JSONWriter(reservingCapacity: capacity)
            page.writeJSON(to: &writer)
            #expect(writer.bytes == expected, "capacity \(capacity)")
        }
    }

    @Test("every status and layout, with and without the optionals", arguments: RecordingStatus.allCases)
    func everyStatusAndLayout(status: RecordingStatus) throws {
        for layout in RecordingLayout.allCases.map(Optional.some) + [nil] {
            let bare = RecordingInfo(egressId: "EG_1", roomName: "!abc123:example.org", status: status, startedAt: EpochMilliseconds(0), layout: layout)
            let full = RecordingInfo(
                egressId: "EG_2", roomName: "!r:ex.org", status: status, startedAt: EpochMilliseconds(-1),
                endedAt: EpochMilliseconds(Int64.max), error: "", layout: layout, audioOnly: true,
                file: RecordingFile(key: "recordings/a/b.mp4", size: 0, durationMs: Int64.min, missing: true),
                startedBy: "ops", stoppedBy: "@bob:example.org")
            for recording in [bare, full] {
                try expectSameBytes(RecordingStatusResponse(egress: recording))
                try expectSameBytes(StartRecordingResponse(recording: recording))
                try expectSameBytes(StopRecordingResponse(recording: recording))
            }
            try expectSameBytes(RecordingListResponse(recordings: [bare, full, bare], nextCursor: "c/+=="))
        }
    }

    @Test("an empty page: no recordings, no cursor")
    func emptyPage() throws {
        try expectSameBytes(RecordingListResponse(recordings: [], nextCursor: nil))
        #expect(EncoderReference.text(RecordingListResponse(recordings: [], nextCursor: nil).jsonBytes())
            == #"{"nextCursor":null,"recordings":[],"success":true}"#)
    }

    @Test("the contract's nulls stay, synthesized optionals go")
    func nullsAndAbsentKeys() {
        let recording = RecordingInfo(egressId: "EG_1", roomName: "!a:b.c", status: .starting, startedAt: EpochMilliseconds(1_706_356_800_000))
        #expect(EncoderReference.text(RecordingStatusResponse(egress: recording).jsonBytes()) == #"""
            {"egress":{"audioOnly":false,"egressId":"EG_1","endedAt":null,"error":null,"file":null,"layout":null,"roomName":"!a:b.c","startedAt":"1706356800000","startedBy":null,"status":"EGRESS_STARTING","stoppedBy":null},"success":true}
            """#)
        #expect(EncoderReference.text(StartRecordingResponse(recording: recording).jsonBytes())
            == #"{"egressId":"EG_1","roomName":"!a:b.c","startedAt":"1706356800000","status":"EGRESS_STARTING","success":true}"#)
        #expect(EncoderReference.text(ErrorResponse(code: "not_found", error: "No \"EG_1\".").jsonBytes())
            == #"{"code":"not_found","error":"No \"EG_1\".","success":false}"#)
    }

    private func expectSameBytes<Value: JSONWritable & Decodable & Equatable>(
        _ value: Value, seed: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let written = value.jsonBytes()
        let reference = try EncoderReference.bytes(value)
        #expect(
            EncoderReference.text(written) == EncoderReference.text(reference), "seed \(seed.map(String.init) ?? "-")",
            sourceLocation: sourceLocation)
        #expect(written == reference, sourceLocation: sourceLocation)
        let decoded = try JSONDecoder().decode(Value.self, from: Data(written))
        #expect(decoded == value, "seed \(seed.map(String.init) ?? "-")", sourceLocation: sourceLocation)
    }
}
