import RecordingModels

extension RecordingInfo {
    /// The wire form of a stored recording. A reservation (no egress id yet) is never
    /// answered by the service; if one is converted anyway its `egressId` is empty.
    /// Borrowed: an initializer's argument is otherwise owned, and `list` maps 50 rows,
    /// each a copy of every column's string just to read a few of them.
    /// `SQLRecordingStore.listedRecording(from:)` reads the same fields straight from a row.
    public init(stored: borrowing StoredRecording) {
        let file = stored.fileKey.map {
            RecordingFile(key: $0, size: stored.fileSize, durationMs: stored.fileDurationMs, missing: stored.fileMissing)
        }
        self.init(
            egressId: stored.egressId ?? "", roomName: stored.roomName, status: stored.status, startedAt: stored.startedAt,
            endedAt: stored.endedAt, error: stored.error, layout: stored.layout, audioOnly: stored.audioOnly, file: file,
            startedBy: stored.startedBy, stoppedBy: stored.stoppedBy)
    }
}
