import Foundation
import RecordingModels
import RecordingStore

/// What a retention sweep removed.
public struct RetentionSummary: Sendable, Equatable {
    public var removed: [RecordingInfo]
    /// Recordings kept because their file could not be deleted (the bucket failed); tried again next sweep.
    public var kept: Int
}

extension RecordingService {
    /// Deletes an ended recording: its file (a missing one is fine), then its row.
    public func delete(egressId: String, by caller: Caller) async throws(RecordingServiceError) -> RecordingInfo {
        var roomName: String?
        return try await audited("delete", by: caller, egressId: egressId, roomName: roomName) { (success: SuccessAudit) in
            let stored = try await recording(egressId: egressId)
            roomName = stored.roomName
            guard stored.status.isTerminal else { throw RecordingServiceError.recordingActive(egressId, status: stored.status) }
            try await remove(stored, auditedAs: auditRecord("delete", by: caller, egressId: egressId, roomName: stored.roomName, outcome: "ok"))
            success.markWritten()
            logger(for: stored).info("Recording deleted by \(caller.kind.rawValue) \(caller.name)")
            return RecordingInfo(stored: stored)
        }
    }

    /// Deletes the file, then the row with `record` in the same transaction (the record is
    /// what keeps a late LiveKit update from storing the egress again: `wasDeleted`).
    func remove(_ stored: StoredRecording, auditedAs record: AuditRecord) async throws {
        if let key = stored.fileKey {
            do {
                try await storage.delete(key: key)
            } catch {
                throw RecordingServiceError.storage(error, action: "delete the recording's file")
            }
        }
        guard try await store.delete(id: stored.id, appendingAudit: record) else {
            // Someone deleted it between our read and now.
            throw RecordingServiceError.recordingNotFound(stored.egressId ?? stored.id)
        }
    }

    /// Deletes files and rows of ended recordings created more than `olderThanDays` ago.
    /// Running recordings are never touched (the store only hands out terminal ones).
    public func sweepRetention(olderThanDays days: Int, by caller: Caller = .system("retention")) async throws(RecordingServiceError) -> RetentionSummary {
        try await boundary("sweep old recordings") {
            let cutoff = EpochMilliseconds(clock.now.addingTimeInterval(-Double(days) * 86_400))
            var summary = RetentionSummary(removed: [], kept: 0)
            var failedIds: Set<String> = []
            while true {
                let batch = try await store.terminalRecordings(createdBefore: cutoff, limit: 200).filter { !failedIds.contains($0.id) }
                guard !batch.isEmpty else { break }
                for stored in batch where stored.status.isTerminal {
                    do {
                        let record = auditRecord(
                            "retention_delete", by: caller, egressId: stored.egressId, roomName: stored.roomName, outcome: "ok")
                        try await remove(stored, auditedAs: record)
                        summary.removed.append(RecordingInfo(stored: stored))
                    } catch let error as RecordingServiceError {
                        failedIds.insert(stored.id)
                        if error.code != APIErrorCode.notFound { summary.kept += 1 }
                        logger(for: stored).warning("Retention could not delete the recording: \(error)")
                    }
                }
            }
            if !summary.removed.isEmpty { logger.info("Retention removed \(summary.removed.count) recording(s) older than \(days) day(s)") }
            return summary
        }
    }
}
