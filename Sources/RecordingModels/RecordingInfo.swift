/// One recording as the API reports it (the `egress` object of `status`, an item of
/// `list`). The contract's keys (`egressId`, `roomName`, `status`, `startedAt`,
/// `endedAt`, `error`) are always present; `endedAt` and `error` are `null` when
/// unknown, never missing. The rest are additions the contract allows.
public struct RecordingInfo: Codable, Sendable, Equatable {
    public var egressId: String
    public var roomName: String
    public var status: RecordingStatus
    /// When LiveKit says the egress became active; until then when the start was accepted. Never null.
    public var startedAt: EpochMilliseconds
    public var endedAt: EpochMilliseconds?
    public var error: String?
    public var layout: RecordingLayout?
    public var audioOnly: Bool
    public var file: RecordingFile?
    /// Who asked for the recording: an operator key's name or a participant identity. Null for auto-egress.
    public var startedBy: String?
    public var stoppedBy: String?

    public init(
        egressId: String, roomName: String, status: RecordingStatus, startedAt: EpochMilliseconds,
        endedAt: EpochMilliseconds? = nil, error: String? = nil, layout: RecordingLayout? = nil,
        audioOnly: Bool = false, file: RecordingFile? = nil, startedBy: String? = nil, stoppedBy: String? = nil
    ) {
        self.egressId = egressId
        self.roomName = roomName
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.error = error
        self.layout = layout
        self.audioOnly = audioOnly
        self.file = file
        self.startedBy = startedBy
        self.stoppedBy = stoppedBy
    }

    enum CodingKeys: String, CodingKey {
        case egressId, roomName, status, startedAt, endedAt, error, layout, audioOnly, file, startedBy, stoppedBy
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        egressId = try c.decode(String.self, forKey: .egressId)
        roomName = try c.decode(String.self, forKey: .roomName)
        status = try c.decode(RecordingStatus.self, forKey: .status)
        startedAt = try c.decode(EpochMilliseconds.self, forKey: .startedAt)
        endedAt = try c.decodeIfPresent(EpochMilliseconds.self, forKey: .endedAt)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        layout = try c.decodeIfPresent(RecordingLayout.self, forKey: .layout)
        audioOnly = try c.decodeIfPresent(Bool.self, forKey: .audioOnly) ?? false
        file = try c.decodeIfPresent(RecordingFile.self, forKey: .file)
        startedBy = try c.decodeIfPresent(String.self, forKey: .startedBy)
        stoppedBy = try c.decodeIfPresent(String.self, forKey: .stoppedBy)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(egressId, forKey: .egressId)
        try c.encode(roomName, forKey: .roomName)
        try c.encode(status, forKey: .status)
        try c.encode(startedAt, forKey: .startedAt)
        // The contract promises these keys with `null`, not absent.
        try c.encodeNullable(endedAt, forKey: .endedAt)
        try c.encodeNullable(error, forKey: .error)
        try c.encodeNullable(layout, forKey: .layout)
        try c.encode(audioOnly, forKey: .audioOnly)
        try c.encodeNullable(file, forKey: .file)
        try c.encodeNullable(startedBy, forKey: .startedBy)
        try c.encodeNullable(stoppedBy, forKey: .stoppedBy)
    }
}

/// The MP4 of a recording in the bucket.
public struct RecordingFile: Codable, Sendable, Equatable {
    /// Object key in the bucket, e.g. `recordings/abc123-example.org-1a2b3c4d_20240127T120000Z.mp4`.
    public var key: String
    /// Size in bytes once the upload is confirmed.
    public var size: Int64?
    public var durationMs: Int64?
    /// True when the recording ended COMPLETE but the object is not (or empty) in the bucket.
    public var missing: Bool

    public init(key: String, size: Int64? = nil, durationMs: Int64? = nil, missing: Bool = false) {
        self.key = key
        self.size = size
        self.durationMs = durationMs
        self.missing = missing
    }

    enum CodingKeys: String, CodingKey { case key, size, durationMs, missing }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        size = try c.decodeIfPresent(Int64.self, forKey: .size)
        durationMs = try c.decodeIfPresent(Int64.self, forKey: .durationMs)
        missing = try c.decodeIfPresent(Bool.self, forKey: .missing) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encodeNullable(size, forKey: .size)
        try c.encodeNullable(durationMs, forKey: .durationMs)
        try c.encode(missing, forKey: .missing)
    }
}

extension KeyedEncodingContainer {
    /// Writes `null` for nil instead of leaving the key out (JSONEncoder's default).
    mutating func encodeNullable<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
