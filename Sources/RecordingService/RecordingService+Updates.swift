import Foundation
import RecordingModels
import RecordingStore

/// Where an egress update came from, for the logs.
public enum EgressUpdateSource: String, Sendable {
    case webhook, status, reconcile, start, stop, layout
}

extension RecordingService {
    /// Applies what LiveKit says about an egress (a webhook's `egressInfo`, or any answer),
    /// through the one lifecycle. An egress never seen before (auto-egress, or started
    /// outside this API) is recorded as a new recording. Returns the recording as stored,
    /// nil when it could not be stored (see `insertUnknown`).
    @discardableResult
    public func apply(_ update: EgressSnapshot, from source: EgressUpdateSource) async throws(RecordingServiceError) -> RecordingInfo? {
        try await boundary("apply an egress update") {
            try await applySnapshot(update, from: source).map(RecordingInfo.init(stored:))
        }
    }

    /// - Parameters:
    ///   - known: the row as the caller read it moments ago: the first try writes on top of it
    ///     without reading it again (the version check refuses it if it changed meanwhile).
    ///   - success: an audited call's success record, carried by the write if there is one
    ///     (see `update(_:carrying:)`); when nothing is written it stays for `audited` to write.
    ///   - amend: extra edits in the same write (e.g. `stoppedBy`), applied even
    ///     when the lifecycle ignores the update.
    @discardableResult
    func applySnapshot(
        _ update: EgressSnapshot, from source: EgressUpdateSource, known: StoredRecording? = nil, carrying success: SuccessAudit? = nil,
        amend: @Sendable (inout StoredRecording) -> Void = { _ in }
    ) async throws -> StoredRecording? {
        var known = known.flatMap { $0.egressId == update.egressId ? $0 : nil }
        for _ in 0..<8 {
            let wasKnown = known != nil
            let found: StoredRecording?
            if let row = known { found = row } else { found = try await store.recording(egressId: update.egressId) }
            known = nil
            guard let stored = found else {
                switch try await insertUnknown(update, from: source) {
                case .inserted(let recording): return recording
                case .refused: return nil
                case .raced: continue
                }
            }
            var lifecycle = RecordingLifecycle(stored)
            let outcome = lifecycle.apply(update, now: now)
            var next = lifecycle.recording
            amend(&next)
            if next == stored {
                // Nothing to write on top of a row read earlier: answer the row as it is now.
                if wasKnown { continue }
                if case .unchanged(let reason) = outcome, reason != .nothingNew {
                    logger(for: stored).debug("Ignored \(update.status.rawValue) from \(source.rawValue): \(reason)")
                }
                return stored
            }
            if next.status == .complete, stored.status != .complete { await checkUploadedFile(&next) }
            next.updatedAt = now
            do {
                let written = try await self.update(next, carrying: success)
                logTransition(from: stored, to: written, source: source)
                return written
            } catch RecordingStoreError.conflict {
                continue
            } catch RecordingStoreError.notFound {
                return nil
            }
        }
        throw RecordingServiceError.internal("Recording \(update.egressId) kept changing while an update was applied; it will be corrected by the next reconcile.")
    }

    enum UnknownEgressOutcome {
        case inserted(StoredRecording)
        case refused
        case raced
    }

    /// An egress we never stored. A terminal one is always stored (history). An active one
    /// is stored unless the room already has an active recording of ours: the database keeps
    /// one active recording per room, so that one wins and the other is only logged; its
    /// final (terminal) update will be stored when it comes. This also covers the webhook
    /// that beats our own start to the database (the room's reservation has no egress id
    /// yet): the start attaches the id itself and later updates apply normally.
    func insertUnknown(_ update: EgressSnapshot, from source: EgressUpdateSource) async throws -> UnknownEgressOutcome {
        if try await wasDeleted(update.egressId) {
            logger.info("Ignored \(update.status.rawValue) from \(source.rawValue) for deleted recording \(update.egressId)")
            return .refused
        }
        let at = now
        let base = StoredRecording(
            id: UUID().uuidString.lowercased(), egressId: update.egressId, roomName: update.roomName, layout: nil,
            status: .starting, startedAt: update.startedAt.map(EpochMilliseconds.init) ?? at, createdAt: at, updatedAt: at)
        var lifecycle = RecordingLifecycle(base)
        _ = lifecycle.apply(update, now: at)
        var recording = lifecycle.recording
        if recording.status == .complete { await checkUploadedFile(&recording) }
        do {
            try await store.insert(recording)
            logger(for: recording).notice(
                "Recorded egress started outside this API (\(recording.status.rawValue), from \(source.rawValue))")
            return .inserted(recording)
        } catch RecordingStoreError.duplicateEgress {
            return .raced
        } catch RecordingStoreError.roomBusy(let active) {
            // Our own start attached this very egress after our look-up (SQLite reports the
            // room constraint before the unique egress id): it is no stranger, apply it as an update.
            if active.egressId == update.egressId { return .raced }
            logger(for: recording).warning(
                "Egress \(update.egressId) (\(update.status.rawValue)) runs in a room that already has recording "
                    + "\(active.egressId ?? "being started"); not stored until it ends")
            return .refused
        }
    }

    /// LiveKit retries webhooks and does not order them, and keeps ended egresses in its
    /// list for about a day: a late `egress_ended` for a recording a user deleted must not
    /// bring its row back (with a file that is gone). The row is gone, the audit trail
    /// remembers the delete.
    func wasDeleted(_ egressId: String) async throws -> Bool {
        // Not a page of the trail: every failed call on the id (a client retrying a delete
        // or a stop) adds a newer record, and 50 of them hid the delete (the row came back).
        try await store.hasAuditRecord(egressId: egressId, actions: ["delete", "retention_delete"], outcome: "ok")
    }

    /// COMPLETE means Egress says it uploaded; the bucket has the last word. A missing or
    /// empty object keeps the recording COMPLETE but flags it, with an error a person can act on.
    func checkUploadedFile(_ recording: inout StoredRecording) async {
        guard let key = recording.fileKey else {
            recording.fileMissing = true
            recording.error = recording.error ?? "The recording completed but LiveKit reported no file for it."
            return
        }
        do {
            if let object = try await storage.head(key: key), object.size > 0 {
                recording.fileSize = object.size
                recording.fileMissing = false
            } else {
                recording.fileMissing = true
                recording.error = "The recording completed but its file '\(key)' did not arrive in the bucket (missing or empty): the upload from Egress failed."
            }
        } catch {
            // Not knowing is not "missing": keep what LiveKit said; reconcile does not re-check, a download will.
            logger(for: recording).warning("Could not check the uploaded file \(key): \(error)")
        }
    }

    func logTransition(from old: StoredRecording, to new: StoredRecording, source: EgressUpdateSource) {
        let log = logger(for: new)
        if old.status != new.status {
            statusObserver?(new, old.status)
            log.info("Recording \(old.status.rawValue) → \(new.status.rawValue) (from \(source.rawValue))", new.error.map { ["error": $0] } ?? [:])
        }
        if new.status == .complete, old.status != .complete {
            if new.fileMissing {
                log.error("Recording completed without its file", ["file.key": new.fileKey ?? ""])
            } else {
                log.info("Recording file stored", ["file.key": new.fileKey ?? "", "file.size": new.fileSize.map(String.init) ?? ""])
            }
        }
    }

    /// LiveKit no longer knows an egress we think is running (it ended while we missed
    /// every webhook, or LiveKit restarted): end it here so the room is free again.
    @discardableResult
    func markGone(_ recording: StoredRecording, reason: String) async throws -> StoredRecording? {
        let written = try await mutate(id: recording.id) { row in
            guard !row.status.isTerminal else { return }
            row.status = .failed
            row.endedAt = now
            row.error = reason
        }
        if let written, written.status == .failed, recording.status != .failed {
            logTransition(from: recording, to: written, source: .reconcile)
        }
        return written
    }

    /// What LiveKit says about `egressId` now; nil when it does not know it (LiveKit
    /// forgets ended egresses after about a day, LIVEKIT.md "Responses").
    func liveKitSnapshot(_ egressId: String) async throws(LiveKitFailure) -> EgressSnapshot? {
        do {
            let found = try await egress.listEgress(roomName: nil, egressId: egressId, activeOnly: false)
            return found.first { $0.egressId == egressId }
        } catch .notFound {
            return nil
        }
    }
}
