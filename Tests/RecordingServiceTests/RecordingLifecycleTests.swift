import Foundation
import RecordingModels
import RecordingStore
import Testing

@testable import RecordingService

@Suite("One lifecycle decides every egress update")
struct RecordingLifecycleTests {
    /// The only moves allowed, written out rather than computed: forward through
    /// STARTING → ACTIVE → ENDING, a repeat of the same active state, and any active
    /// state to any terminal one. Nothing leaves a terminal state.
    static let allowed: Set<String> = {
        var pairs: Set<String> = [
            "STARTING>STARTING", "STARTING>ACTIVE", "STARTING>ENDING",
            "ACTIVE>ACTIVE", "ACTIVE>ENDING",
            "ENDING>ENDING",
        ]
        for from in ["STARTING", "ACTIVE", "ENDING"] {
            for to in ["COMPLETE", "FAILED", "ABORTED", "LIMIT_REACHED"] { pairs.insert("\(from)>\(to)") }
        }
        return pairs
    }()

    static let pairs: [(RecordingStatus, RecordingStatus)] = RecordingStatus.allCases.flatMap { from in
        RecordingStatus.allCases.map { (from, $0) }
    }

    static func name(_ status: RecordingStatus) -> String { String(status.rawValue.dropFirst("EGRESS_".count)) }

    static func recording(_ status: RecordingStatus, updatedAtNanos: Int64? = 1_000) -> StoredRecording {
        StoredRecording(
            id: "r1", egressId: "EG_1", roomName: "room", layout: .gridDark, status: status,
            startedAt: EpochMilliseconds(1_000), endedAt: status.isTerminal ? EpochMilliseconds(9_000) : nil,
            fileKey: "recordings/room.mp4", livekitUpdatedAtNanos: updatedAtNanos, createdAt: EpochMilliseconds(1_000),
            updatedAt: EpochMilliseconds(1_000))
    }

    @Test("every pair of states", arguments: pairs)
    func transition(from: RecordingStatus, to: RecordingStatus) {
        var lifecycle = RecordingLifecycle(Self.recording(from))
        let update = EgressSnapshot(egressId: "EG_1", roomName: "room", status: to, updatedAtNanos: 2_000)
        let outcome = lifecycle.apply(update, now: EpochMilliseconds(5_000))
        let expectAllowed = Self.allowed.contains("\(Self.name(from))>\(Self.name(to))")
        #expect((outcome == .changed) == expectAllowed, "\(from) → \(to)")
        #expect(lifecycle.recording.status == (expectAllowed ? to : from))
        if expectAllowed, to.isTerminal {
            #expect(lifecycle.recording.endedAt != nil)
        }
    }

    @Test func olderUpdateIsIgnored() {
        var lifecycle = RecordingLifecycle(Self.recording(.active, updatedAtNanos: 5_000))
        let stale = EgressSnapshot(egressId: "EG_1", roomName: "room", status: .ending, updatedAtNanos: 4_000)
        #expect(lifecycle.apply(stale, now: EpochMilliseconds(5_000)) == .unchanged(.olderThanApplied))
        #expect(lifecycle.recording.status == .active)
    }

    @Test func repeatedUpdateChangesNothing() {
        var lifecycle = RecordingLifecycle(Self.recording(.starting, updatedAtNanos: nil))
        let update = EgressSnapshot(
            egressId: "EG_1", roomName: "room", status: .active, startedAt: Date(timeIntervalSince1970: 3), updatedAtNanos: 3_000)
        #expect(lifecycle.apply(update, now: EpochMilliseconds(5_000)) == .changed)
        let once = lifecycle.recording
        #expect(lifecycle.apply(update, now: EpochMilliseconds(6_000)) == .unchanged(.nothingNew))
        #expect(lifecycle.recording == once)
    }

    @Test func startedAtBecomesLiveKitsActiveTimeAndIsKeptUntilThen() {
        var lifecycle = RecordingLifecycle(Self.recording(.starting, updatedAtNanos: nil))
        // LiveKit's started_at is 0 (nil here) while STARTING: our accepted time stays.
        _ = lifecycle.apply(EgressSnapshot(egressId: "EG_1", roomName: "room", status: .starting, updatedAtNanos: 1), now: EpochMilliseconds(2_000))
        #expect(lifecycle.recording.startedAt == EpochMilliseconds(1_000))
        _ = lifecycle.apply(
            EgressSnapshot(egressId: "EG_1", roomName: "room", status: .active, startedAt: Date(timeIntervalSince1970: 4.5), updatedAtNanos: 2),
            now: EpochMilliseconds(5_000))
        #expect(lifecycle.recording.startedAt == EpochMilliseconds(4_500))
    }

    @Test func terminalUpdateCarriesEndFileAndError() {
        var lifecycle = RecordingLifecycle(Self.recording(.ending))
        let update = EgressSnapshot(
            egressId: "EG_1", roomName: "room", status: .complete, endedAt: Date(timeIntervalSince1970: 7), updatedAtNanos: 9_000,
            files: [EgressFileResult(filename: "other.mp4", location: "s3://b/recordings/room.mp4", size: 42, durationMs: 6_500)])
        #expect(lifecycle.apply(update, now: EpochMilliseconds(8_000)) == .changed)
        let r = lifecycle.recording
        #expect(r.endedAt == EpochMilliseconds(7_000))
        #expect(r.fileKey == "recordings/room.mp4", "our key wins over Egress's filename")
        #expect(r.fileLocation == "s3://b/recordings/room.mp4")
        #expect(r.fileSize == 42)
        #expect(r.fileDurationMs == 6_500)
        #expect(r.livekitUpdatedAtNanos == 9_000)

        var failing = RecordingLifecycle(Self.recording(.active))
        _ = failing.apply(
            EgressSnapshot(egressId: "EG_1", roomName: "room", status: .failed, updatedAtNanos: 9_000, error: "pipeline failed"),
            now: EpochMilliseconds(8_000))
        #expect(failing.recording.error == "pipeline failed")
        #expect(failing.recording.endedAt == EpochMilliseconds(8_000), "no end time from LiveKit: ours")
    }
}
