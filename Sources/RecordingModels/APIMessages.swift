// The request and response bodies of the public HTTP API (../shared/DESIGN.md).
// Written once, shared by the server, the CLI and RecordingKit. Field names are the
// contract: do not rename or drop any.

/// `GET /health`
public struct HealthResponse: Codable, Sendable, Equatable {
    public var status: String
    public init(status: String = "ok") { self.status = status }
}

/// `POST /api/recording/start`
public struct StartRecordingRequest: Codable, Sendable, Equatable {
    public var roomName: String
    public var layout: RecordingLayout?
    public var audioOnly: Bool?
    /// LiveKit encoding preset name, e.g. `H264_720P_30`.
    public var preset: String?
    public var maxDurationSeconds: Int?

    public init(roomName: String, layout: RecordingLayout? = nil, audioOnly: Bool? = nil, preset: String? = nil, maxDurationSeconds: Int? = nil) {
        self.roomName = roomName
        self.layout = layout
        self.audioOnly = audioOnly
        self.preset = preset
        self.maxDurationSeconds = maxDurationSeconds
    }
}

/// Answer to start: the contract's `success, egressId, status, roomName, startedAt`, plus the rest of the recording.
public struct StartRecordingResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var egressId: String
    public var status: RecordingStatus
    public var roomName: String
    public var startedAt: EpochMilliseconds
    public var layout: RecordingLayout?
    public var file: RecordingFile?

    public init(recording: RecordingInfo) {
        success = true
        egressId = recording.egressId
        status = recording.status
        roomName = recording.roomName
        startedAt = recording.startedAt
        layout = recording.layout
        file = recording.file
    }
}

/// `POST /api/recording/stop`
public struct StopRecordingRequest: Codable, Sendable, Equatable {
    public var egressId: String
    public init(egressId: String) { self.egressId = egressId }
}

/// Answer to stop: the contract's `success, egressId, status, endedAt` (null while still ending), plus the recording.
public struct StopRecordingResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var egressId: String
    public var status: RecordingStatus
    public var endedAt: EpochMilliseconds?
    public var roomName: String
    public var startedAt: EpochMilliseconds
    public var error: String?
    public var file: RecordingFile?

    public init(recording: RecordingInfo) {
        success = true
        egressId = recording.egressId
        status = recording.status
        endedAt = recording.endedAt
        roomName = recording.roomName
        startedAt = recording.startedAt
        error = recording.error
        file = recording.file
    }

    enum CodingKeys: String, CodingKey { case success, egressId, status, endedAt, roomName, startedAt, error, file }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(success, forKey: .success)
        try c.encode(egressId, forKey: .egressId)
        try c.encode(status, forKey: .status)
        try c.encodeNullable(endedAt, forKey: .endedAt)
        try c.encode(roomName, forKey: .roomName)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encodeNullable(error, forKey: .error)
        try c.encodeNullable(file, forKey: .file)
    }
}

/// `GET /api/recording/status/{egressId}`
public struct RecordingStatusResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var egress: RecordingInfo
    public init(egress: RecordingInfo) {
        success = true
        self.egress = egress
    }
}

/// `GET /api/recording/list?roomName=&status=&active=&limit=&cursor=`, newest first.
public struct RecordingListResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var recordings: [RecordingInfo]
    /// Pass back as `cursor` for the next page; null on the last page.
    public var nextCursor: String?

    public init(recordings: [RecordingInfo], nextCursor: String?) {
        success = true
        self.recordings = recordings
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey { case success, recordings, nextCursor }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(success, forKey: .success)
        try c.encode(recordings, forKey: .recordings)
        try c.encodeNullable(nextCursor, forKey: .nextCursor)
    }
}

/// `POST /api/recording/layout`
public struct UpdateLayoutRequest: Codable, Sendable, Equatable {
    public var egressId: String
    public var layout: RecordingLayout
    public init(egressId: String, layout: RecordingLayout) {
        self.egressId = egressId
        self.layout = layout
    }
}

public struct UpdateLayoutResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var egressId: String
    public var layout: RecordingLayout
    public var status: RecordingStatus
    public init(egressId: String, layout: RecordingLayout, status: RecordingStatus) {
        success = true
        self.egressId = egressId
        self.layout = layout
        self.status = status
    }
}

/// `GET /api/recording/download/{egressId}` (without `?redirect=true`).
public struct DownloadLinkResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var url: String
    public var expiresAt: EpochMilliseconds
    public init(url: String, expiresAt: EpochMilliseconds) {
        success = true
        self.url = url
        self.expiresAt = expiresAt
    }
}

/// `DELETE /api/recording/{egressId}`
public struct DeleteRecordingResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var egressId: String
    public var deleted: Bool
    public init(egressId: String) {
        success = true
        self.egressId = egressId
        deleted = true
    }
}

/// `GET /api/rooms`: LiveKit's active rooms and whether each is being recorded.
public struct RoomsResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var rooms: [RoomSummary]
    public init(rooms: [RoomSummary]) {
        success = true
        self.rooms = rooms
    }
}

public struct RoomSummary: Codable, Sendable, Equatable {
    public var name: String
    public var numParticipants: Int
    public var participants: [String]
    public var createdAt: EpochMilliseconds?
    public var recording: Bool
    /// The active recording's id when `recording` is true.
    public var egressId: String?

    public init(name: String, numParticipants: Int, participants: [String], createdAt: EpochMilliseconds?, recording: Bool, egressId: String?) {
        self.name = name
        self.numParticipants = numParticipants
        self.participants = participants
        self.createdAt = createdAt
        self.recording = recording
        self.egressId = egressId
    }
}

/// `GET /api/audit?roomName=&egressId=&limit=&cursor=` (operators only).
public struct AuditResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var entries: [AuditEntryInfo]
    public var nextCursor: String?
    public init(entries: [AuditEntryInfo], nextCursor: String?) {
        success = true
        self.entries = entries
        self.nextCursor = nextCursor
    }
}

public struct AuditEntryInfo: Codable, Sendable, Equatable {
    public var id: String
    public var at: EpochMilliseconds
    /// Operator key name, or participant identity.
    public var actor: String
    /// `operator`, `participant`, `anonymous` (auth disabled) or `system` (reconcile, retention).
    public var actorKind: String
    /// `start`, `stop`, `layout`, `delete`, `retention_delete`, …
    public var action: String
    public var egressId: String?
    public var roomName: String?
    public var remoteAddress: String?
    /// `ok` or the error code the caller was answered with.
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

/// Every failure: `{"success":false,"code":"snake_case","error":"a sentence a person can act on"}`.
/// `egressId` is set where it helps the caller recover (e.g. `already_recording`).
public struct ErrorResponse: Codable, Sendable, Equatable, Error {
    public var success: Bool
    public var code: String
    public var error: String
    public var egressId: String?
    public var retryAfterSeconds: Int?

    public init(code: String, error: String, egressId: String? = nil, retryAfterSeconds: Int? = nil) {
        success = false
        self.code = code
        self.error = error
        self.egressId = egressId
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The error codes the API answers with, for clients that switch on them.
public enum APIErrorCode {
    public static let badRequest = "bad_request"
    public static let invalidJSON = "invalid_json"
    public static let invalidField = "invalid_field"
    public static let missingField = "missing_field"
    public static let invalidLayout = "invalid_layout"
    public static let invalidRoomName = "invalid_room_name"
    public static let invalidPreset = "invalid_preset"
    public static let unauthorized = "unauthorized"
    public static let tokenExpired = "token_expired"
    public static let forbidden = "forbidden"
    public static let notFound = "not_found"
    public static let routeNotFound = "route_not_found"
    public static let methodNotAllowed = "method_not_allowed"
    public static let roomNotFound = "room_not_found"
    public static let alreadyRecording = "already_recording"
    public static let recordingActive = "recording_active"
    public static let notActive = "not_active"
    public static let notReady = "not_ready"
    public static let fileMissing = "file_missing"
    public static let payloadTooLarge = "payload_too_large"
    public static let rateLimited = "rate_limited"
    public static let livekitUnavailable = "livekit_unavailable"
    public static let livekitError = "livekit_error"
    public static let storageUnavailable = "storage_unavailable"
    public static let databaseUnavailable = "database_unavailable"
    public static let internalError = "internal_error"
}
