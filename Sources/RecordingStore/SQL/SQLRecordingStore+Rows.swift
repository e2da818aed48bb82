import RecordingModels

/// How a `StoredRecording` maps to the `recordings` table's columns, in one place.
extension SQLRecordingStore {
    static let columns = """
        id, egress_id, room_name, room_id, layout, audio_only, preset, status, started_at, ended_at, error, \
        file_key, file_location, file_size, file_duration_ms, file_missing, started_by, stopped_by, \
        max_duration_seconds, livekit_updated_at_ns, created_at, updated_at, version
        """

    /// A row that would break a unique index is not inserted (no rows changed) instead of
    /// failing: PostgreSQL then checks every unique index before it writes any entry
    /// (speculative insertion), so it never holds an entry while waiting for another
    /// transaction. A plain INSERT could: it takes the egress id's entry, then waits on the
    /// room's index for a start that is attaching that very egress id to its reservation,
    /// which waits for the egress id's entry: a deadlock (an `egress_started` webhook racing
    /// the start's attach; PostgreSQL broke it after a second by failing the start).
    static let insertSQL = """
        INSERT INTO recordings (\(columns))
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
        ON CONFLICT DO NOTHING
        """

    /// Parameters 1-22 are the new values (`$23`, the version, is overwritten by
    /// `version + 1`); `$24` is the version the caller read.
    static let updateSQL = """
        UPDATE recordings SET egress_id = $2, room_name = $3, room_id = $4, layout = $5, audio_only = $6, preset = $7,
            status = $8, started_at = $9, ended_at = $10, error = $11, file_key = $12, file_location = $13, file_size = $14,
            file_duration_ms = $15, file_missing = $16, started_by = $17, stopped_by = $18, max_duration_seconds = $19,
            livekit_updated_at_ns = $20, created_at = $21, updated_at = $22, version = version + 1
        WHERE id = $1 AND version = $24
        RETURNING \(columns)
        """

    /// PostgreSQL: `updateSQL` ($1-$24) and, when it wrote a row, the audit record ($25-$33).
    static let updateAppendingAuditSQL = """
        WITH updated AS (\(updateSQL)),
        audited AS (
            INSERT INTO audit (\(auditColumns))
            SELECT $25, $26, $27, $28, $29, $30, $31, $32, $33 WHERE EXISTS (SELECT 1 FROM updated)
        )
        SELECT \(columns) FROM updated
        """

    /// In `columns` order.
    static func parameters(_ recording: StoredRecording) -> [SQLValue] {
        [
            .text(recording.id), SQLValue(recording.egressId), .text(recording.roomName), SQLValue(recording.roomId),
            SQLValue(recording.layout?.rawValue), .bool(recording.audioOnly), SQLValue(recording.preset),
            .text(recording.status.rawValue), .integer(recording.startedAt.value), SQLValue(recording.endedAt?.value),
            SQLValue(recording.error), SQLValue(recording.fileKey), SQLValue(recording.fileLocation),
            SQLValue(recording.fileSize), SQLValue(recording.fileDurationMs), .bool(recording.fileMissing),
            SQLValue(recording.startedBy), SQLValue(recording.stoppedBy), SQLValue(recording.maxDurationSeconds),
            SQLValue(recording.livekitUpdatedAtNanos), .integer(recording.createdAt.value), .integer(recording.updatedAt.value),
            .integer(Int64(recording.version)),
        ]
    }

    static func recording(from row: any SQLColumns) throws -> StoredRecording {
        let status = try recordingStatus(row.text(7))
        let layoutText = try row.optionalText(4)
        return StoredRecording(
            id: try row.text(0), egressId: try row.optionalText(1), roomName: try row.text(2), roomId: try row.optionalText(3),
            // A layout this build does not know reads as "unspecified" rather than failing the row.
            layout: layoutText.flatMap(RecordingLayout.init(rawValue:)),
            audioOnly: try row.bool(5), preset: try row.optionalText(6), status: status,
            startedAt: EpochMilliseconds(try row.integer(8)), endedAt: try row.optionalInteger(9).map(EpochMilliseconds.init),
            error: try row.optionalText(10), fileKey: try row.optionalText(11), fileLocation: try row.optionalText(12),
            fileSize: try row.optionalInteger(13), fileDurationMs: try row.optionalInteger(14), fileMissing: try row.bool(15),
            startedBy: try row.optionalText(16), stoppedBy: try row.optionalText(17),
            maxDurationSeconds: try row.optionalInteger(18).map { Int($0) },
            livekitUpdatedAtNanos: try row.optionalInteger(19),
            createdAt: EpochMilliseconds(try row.integer(20)), updatedAt: EpochMilliseconds(try row.integer(21)),
            version: Int(try row.integer(22)))
    }

    /// What `RecordingInfo(stored:)` reads, then the keyset position (`listCursor(from:)`).
    static let listColumns = """
        egress_id, room_name, status, started_at, ended_at, error, layout, audio_only, file_key, file_size, \
        file_duration_ms, file_missing, started_by, stopped_by, id, created_at
        """

    /// `RecordingInfo(stored: recording(from: row))` for a `listColumns` row; nil for a
    /// reservation (no egress id yet).
    static func listedRecording(from row: some SQLColumns) throws -> RecordingInfo? {
        guard let egressId = try row.optionalText(0) else { return nil }
        let file = try row.optionalText(8).map {
            RecordingFile(key: $0, size: try row.optionalInteger(9), durationMs: try row.optionalInteger(10), missing: try row.bool(11))
        }
        return RecordingInfo(
            egressId: egressId, roomName: try row.text(1), status: try recordingStatus(row.text(2)),
            startedAt: EpochMilliseconds(try row.integer(3)), endedAt: try row.optionalInteger(4).map(EpochMilliseconds.init),
            error: try row.optionalText(5), layout: try row.optionalText(6).flatMap(RecordingLayout.init(rawValue:)),
            audioOnly: try row.bool(7), file: file, startedBy: try row.optionalText(12), stoppedBy: try row.optionalText(13))
    }

    static func listCursor(from row: any SQLColumns) throws -> PageCursor {
        PageCursor(time: try row.integer(15), id: try row.text(14))
    }

    private static func recordingStatus(_ text: String) throws -> RecordingStatus {
        guard let status = RecordingStatus(rawValue: text) else { throw DatabaseFailure.decoding("unknown status \(text)") }
        return status
    }
}
