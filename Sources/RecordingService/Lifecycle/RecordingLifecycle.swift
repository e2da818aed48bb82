import Foundation
import RecordingModels
import RecordingStore

/// The one place that decides whether an egress update changes a recording, whatever
/// brought it: a webhook, `status` polling, reconcile, or LiveKit's answer to start,
/// stop or layout. Webhooks arrive out of order, repeat or never come (LIVEKIT.md
/// "Webhooks"), so every source goes through the same rules:
///
/// - terminal is final: nothing moves a recording out of COMPLETE/FAILED/ABORTED/LIMIT_REACHED;
/// - an update older than the one applied (LiveKit `updated_at`) is ignored;
/// - STARTING → ACTIVE → ENDING only move forward; any active state may end;
/// - an update that changes nothing is not written.
struct RecordingLifecycle: Sendable, Equatable {
    enum Outcome: Sendable, Equatable {
        case changed
        case unchanged(Reason)
    }

    enum Reason: Sendable, Equatable {
        case alreadyTerminal
        case olderThanApplied
        case backwards(from: RecordingStatus, to: RecordingStatus)
        case nothingNew
    }

    private(set) var recording: StoredRecording

    init(_ recording: StoredRecording) {
        self.recording = recording
    }

    /// Whether a recording in `from` may be moved to `to`.
    static func allows(from: RecordingStatus, to: RecordingStatus) -> Bool {
        if from.isTerminal { return false }
        if to.isTerminal { return true }
        return rank(to) >= rank(from)
    }

    private static func rank(_ status: RecordingStatus) -> Int {
        switch status {
        case .starting: 0
        case .active: 1
        case .ending: 2
        case .complete, .failed, .aborted, .limitReached: 3
        }
    }

    /// Applies `update` if the rules allow it. `now` stands in for LiveKit's end time when it sent none.
    mutating func apply(_ update: EgressSnapshot, now: EpochMilliseconds) -> Outcome {
        let current = recording
        if current.status.isTerminal { return .unchanged(.alreadyTerminal) }
        if let applied = current.livekitUpdatedAtNanos, update.updatedAtNanos > 0, update.updatedAtNanos < applied {
            return .unchanged(.olderThanApplied)
        }
        guard Self.allows(from: current.status, to: update.status) else {
            return .unchanged(.backwards(from: current.status, to: update.status))
        }
        var next = current
        merge(update, into: &next, now: now)
        guard next != current else { return .unchanged(.nothingNew) }
        recording = next
        return .changed
    }

    private func merge(_ update: EgressSnapshot, into next: inout StoredRecording, now: EpochMilliseconds) {
        next.status = update.status
        if next.egressId == nil { next.egressId = update.egressId }
        if let roomId = update.roomId, !roomId.isEmpty { next.roomId = roomId }
        // LiveKit's started_at is 0 ("unknown") until the egress is active: keep ours until then.
        if let started = update.startedAt { next.startedAt = EpochMilliseconds(started) }
        if update.status.isTerminal {
            next.endedAt = update.endedAt.map(EpochMilliseconds.init) ?? next.endedAt ?? now
        }
        if let error = update.error, !error.isEmpty { next.error = error }
        if let file = update.files.first { mergeFile(file, into: &next) }
        if update.updatedAtNanos > 0 { next.livekitUpdatedAtNanos = max(update.updatedAtNanos, next.livekitUpdatedAtNanos ?? 0) }
    }

    private func mergeFile(_ file: EgressFileResult, into next: inout StoredRecording) {
        // The key is ours (built before the start); Egress's filename is only a fallback
        // for egresses started outside the API.
        if next.fileKey == nil, !file.filename.isEmpty { next.fileKey = file.filename }
        if let location = file.location, !location.isEmpty { next.fileLocation = location }
        if let size = file.size, size > 0 { next.fileSize = size }
        if let duration = file.durationMs, duration > 0 { next.fileDurationMs = duration }
    }
}
