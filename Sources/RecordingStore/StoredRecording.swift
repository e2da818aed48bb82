import RecordingModels

/// A recording as the database keeps it: everything the API reports, plus the
/// bookkeeping that makes it survive restarts, races and lost webhooks.
///
/// `id` is ours and exists before LiveKit answers: a start first *reserves* the room
/// with a row whose `egressId` is nil, then attaches the egress id LiveKit returned.
/// The reservation is what makes "one active recording per room" hold across
/// racing clients and replicas: the database refuses a second active row per room.
public struct StoredRecording: Sendable, Equatable {
    public var id: String
    /// Nil only while the start is in flight (a reservation).
    public var egressId: String?
    /// The room name exactly as LiveKit knows it (any characters, up to 256 bytes).
    public var roomName: String
    public var roomId: String?
    public var layout: RecordingLayout?
    public var audioOnly: Bool
    public var preset: String?
    public var status: RecordingStatus
    /// When the start was accepted, replaced by LiveKit's "became active" time when known.
    public var startedAt: EpochMilliseconds
    public var endedAt: EpochMilliseconds?
    public var error: String?
    /// Object key in the bucket.
    public var fileKey: String?
    /// Where Egress says it wrote the file (its `location`).
    public var fileLocation: String?
    public var fileSize: Int64?
    public var fileDurationMs: Int64?
    /// Ended COMPLETE but the object is not in the bucket (or is empty).
    public var fileMissing: Bool
    public var startedBy: String?
    public var stoppedBy: String?
    /// Stop on time, also across restarts; nil means no cap.
    public var maxDurationSeconds: Int?
    /// LiveKit's `updated_at` (ns) of the last EgressInfo applied; orders out-of-order updates.
    public var livekitUpdatedAtNanos: Int64?
    public var createdAt: EpochMilliseconds
    public var updatedAt: EpochMilliseconds
    /// Bumped by every write; `RecordingStore.update` refuses a stale one (optimistic concurrency).
    public var version: Int

    public init(
        id: String, egressId: String?, roomName: String, roomId: String? = nil, layout: RecordingLayout?,
        audioOnly: Bool = false, preset: String? = nil, status: RecordingStatus, startedAt: EpochMilliseconds,
        endedAt: EpochMilliseconds? = nil, error: String? = nil, fileKey: String? = nil, fileLocation: String? = nil,
        fileSize: Int64? = nil, fileDurationMs: Int64? = nil, fileMissing: Bool = false, startedBy: String? = nil,
        stoppedBy: String? = nil, maxDurationSeconds: Int? = nil, livekitUpdatedAtNanos: Int64? = nil,
        createdAt: EpochMilliseconds, updatedAt: EpochMilliseconds, version: Int = 1
    ) {
        self.id = id
        self.egressId = egressId
        self.roomName = roomName
        self.roomId = roomId
        self.layout = layout
        self.audioOnly = audioOnly
        self.preset = preset
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.error = error
        self.fileKey = fileKey
        self.fileLocation = fileLocation
        self.fileSize = fileSize
        self.fileDurationMs = fileDurationMs
        self.fileMissing = fileMissing
        self.startedBy = startedBy
        self.stoppedBy = stoppedBy
        self.maxDurationSeconds = maxDurationSeconds
        self.livekitUpdatedAtNanos = livekitUpdatedAtNanos
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }
}

/// One line of the audit trail: who did what to which recording, from where, and how it went.
public struct AuditRecord: Sendable, Equatable {
    public var id: String
    public var at: EpochMilliseconds
    public var actor: String
    /// `operator`, `participant`, `anonymous` or `system`.
    public var actorKind: String
    public var action: String
    public var egressId: String?
    public var roomName: String?
    public var remoteAddress: String?
    /// `ok` or the error code answered.
    public var outcome: String

    public init(id: String, at: EpochMilliseconds, actor: String, actorKind: String, action: String, egressId: String?, roomName: String?, remoteAddress: String?, outcome: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.actorKind = actorKind
        self.action = action
        self.egressId = egressId
        self.roomName = roomName
        self.remoteAddress = remoteAddress
        self.outcome = outcome
    }
}
