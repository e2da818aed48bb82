import Foundation

// Requests are written with proto field names (snake_case): what the open-source
// server itself answers with, and accepted by its protojson reader (the protobuf JSON
// mapping accepts the proto name as well as the lowerCamelCase JSON name), checked field by
// field against livekit-protocol's schema with unknown fields rejected (LiveKitTests'
// cross-check), because LiveKit silently drops a misspelt field (LIVEKIT.md "Requests").

/// `livekit.EncodingOptionsPreset`.
public enum EncodingOptionsPreset: String, Sendable, CaseIterable, Encodable {
    case h264_720p_30 = "H264_720P_30"
    case h264_720p_60 = "H264_720P_60"
    case h264_1080p_30 = "H264_1080P_30"
    case h264_1080p_60 = "H264_1080P_60"
    case portraitH264_720p_30 = "PORTRAIT_H264_720P_30"
    case portraitH264_720p_60 = "PORTRAIT_H264_720P_60"
    case portraitH264_1080p_30 = "PORTRAIT_H264_1080P_30"
    case portraitH264_1080p_60 = "PORTRAIT_H264_1080P_60"
}

/// `livekit.AudioCodec` (the values Egress encodes).
public enum AudioCodec: String, Sendable, Encodable {
    case opus = "OPUS"
    case aac = "AAC"
}

/// `livekit.VideoCodec` (the values Egress encodes).
public enum VideoCodec: String, Sendable, Encodable {
    case h264Baseline = "H264_BASELINE"
    case h264Main = "H264_MAIN"
    case h264High = "H264_HIGH"
    case vp8 = "VP8"
}

/// `livekit.EncodingOptions`: nil fields are left to Egress.
public struct EncodingOptions: Sendable, Equatable, Encodable {
    public var width: Int32?
    public var height: Int32?
    public var depth: Int32?
    public var framerate: Int32?
    public var audioCodec: AudioCodec?
    public var audioBitrate: Int32?
    public var audioFrequency: Int32?
    public var videoCodec: VideoCodec?
    public var videoBitrate: Int32?
    public var keyFrameInterval: Double?

    public init(width: Int32? = nil, height: Int32? = nil, depth: Int32? = nil, framerate: Int32? = nil, audioCodec: AudioCodec? = nil, audioBitrate: Int32? = nil, audioFrequency: Int32? = nil, videoCodec: VideoCodec? = nil, videoBitrate: Int32? = nil, keyFrameInterval: Double? = nil) {
        self.width = width
        self.height = height
        self.depth = depth
        self.framerate = framerate
        self.audioCodec = audioCodec
        self.audioBitrate = audioBitrate
        self.audioFrequency = audioFrequency
        self.videoCodec = videoCodec
        self.videoBitrate = videoBitrate
        self.keyFrameInterval = keyFrameInterval
    }

    enum CodingKeys: String, CodingKey {
        case width, height, depth, framerate
        case audioCodec = "audio_codec", audioBitrate = "audio_bitrate", audioFrequency = "audio_frequency"
        case videoCodec = "video_codec", videoBitrate = "video_bitrate", keyFrameInterval = "key_frame_interval"
    }
}

/// `livekit.EncodedFileType`.
public enum EncodedFileType: String, Sendable, Encodable {
    case mp4 = "MP4"
    case ogg = "OGG"
    case mp3 = "MP3"
}

/// `livekit.S3Upload`. `secret` never shows in descriptions.
public struct S3Upload: Sendable, Equatable, Encodable, CustomStringConvertible {
    public var accessKey: String
    private var secretKey: Redacted
    public var region: String
    /// Needed for MinIO, with `forcePathStyle` (LIVEKIT.md "Requests").
    public var endpoint: String
    public var bucket: String
    public var forcePathStyle: Bool
    /// Object metadata stored beside the file.
    public var metadata: [String: String]
    public var contentDisposition: String

    public var secret: String {
        get { secretKey.value }
        set { secretKey = Redacted(newValue) }
    }

    public init(accessKey: String, secret: String, region: String, endpoint: String, bucket: String, forcePathStyle: Bool, metadata: [String: String] = [:], contentDisposition: String = "") {
        self.accessKey = accessKey
        self.secretKey = Redacted(secret)
        self.region = region
        self.endpoint = endpoint
        self.bucket = bucket
        self.forcePathStyle = forcePathStyle
        self.metadata = metadata
        self.contentDisposition = contentDisposition
    }

    public var description: String { "S3Upload(bucket: \(bucket), endpoint: \(endpoint), region: \(region))" }

    enum CodingKeys: String, CodingKey {
        case accessKey = "access_key", secret, region, endpoint, bucket
        case forcePathStyle = "force_path_style", metadata, contentDisposition = "content_disposition"
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: CodingKeys.self)
        try fields.encode(accessKey, forKey: .accessKey)
        try fields.encode(secretKey.value, forKey: .secret)
        try fields.encode(region, forKey: .region)
        try fields.encode(endpoint, forKey: .endpoint)
        try fields.encode(bucket, forKey: .bucket)
        try fields.encode(forcePathStyle, forKey: .forcePathStyle)
        try fields.encode(metadata, forKey: .metadata)
        if !contentDisposition.isEmpty { try fields.encode(contentDisposition, forKey: .contentDisposition) }
    }
}

/// `livekit.EncodedFileOutput` with an S3 destination.
public struct EncodedFileOutput: Sendable, Equatable, Encodable {
    public var fileType: EncodedFileType
    /// The object key. Egress substitutes `{room_name}`, `{time}` … verbatim and unsanitised,
    /// and a leading `/` has broken MinIO uploads: pass a key built by the caller.
    public var filepath: String
    public var s3: S3Upload?

    public init(fileType: EncodedFileType = .mp4, filepath: String, s3: S3Upload?) {
        self.fileType = fileType
        self.filepath = filepath
        self.s3 = s3
    }

    enum CodingKeys: String, CodingKey {
        case fileType = "file_type", filepath, s3
    }
}

/// `livekit.RoomCompositeEgressRequest`, the parts we use.
public struct RoomCompositeEgressRequest: Sendable, Equatable, Encodable {
    /// The oneof `options`.
    public enum Encoding: Sendable, Equatable {
        case preset(EncodingOptionsPreset)
        case advanced(EncodingOptions)
    }

    public var roomName: String
    /// `grid-dark`, `speaker-light` …; empty lets Egress choose.
    public var layout: String
    public var audioOnly: Bool
    public var videoOnly: Bool
    public var encoding: Encoding?
    public var fileOutputs: [EncodedFileOutput]

    public init(roomName: String, layout: String = "", audioOnly: Bool = false, videoOnly: Bool = false, encoding: Encoding? = nil, fileOutputs: [EncodedFileOutput]) {
        self.roomName = roomName
        self.layout = layout
        self.audioOnly = audioOnly
        self.videoOnly = videoOnly
        self.encoding = encoding
        self.fileOutputs = fileOutputs
    }

    enum CodingKeys: String, CodingKey {
        case roomName = "room_name", layout, audioOnly = "audio_only", videoOnly = "video_only"
        case preset, advanced, fileOutputs = "file_outputs"
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: CodingKeys.self)
        try fields.encode(roomName, forKey: .roomName)
        try fields.encode(layout, forKey: .layout)
        try fields.encode(audioOnly, forKey: .audioOnly)
        try fields.encode(videoOnly, forKey: .videoOnly)
        switch encoding {
        case .preset(let preset): try fields.encode(preset, forKey: .preset)
        case .advanced(let options): try fields.encode(options, forKey: .advanced)
        case nil: break
        }
        try fields.encode(fileOutputs, forKey: .fileOutputs)
    }
}

/// `livekit.StopEgressRequest`.
struct StopEgressRequest: Sendable, Encodable {
    var egressId: String
    enum CodingKeys: String, CodingKey { case egressId = "egress_id" }
}

/// `livekit.ListEgressRequest`. Empty filters are left out.
struct ListEgressRequest: Sendable, Encodable {
    var roomName: String?
    var egressId: String?
    var active: Bool
    var pageToken: TokenPagination?

    enum CodingKeys: String, CodingKey {
        case roomName = "room_name", egressId = "egress_id", active, pageToken = "page_token"
    }
}

/// `livekit.UpdateLayoutRequest`.
struct UpdateLayoutRequest: Sendable, Encodable {
    var egressId: String
    var layout: String
    enum CodingKeys: String, CodingKey { case egressId = "egress_id", layout }
}

/// `livekit.ListRoomsRequest`: no names means every active room.
struct ListRoomsRequest: Sendable, Encodable {
    var names: [String]
}

/// `livekit.ListParticipantsRequest`.
struct ListParticipantsRequest: Sendable, Encodable {
    var room: String
}
