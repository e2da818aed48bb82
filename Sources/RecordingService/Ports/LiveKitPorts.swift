import Foundation
import RecordingModels

// What the recording domain needs from LiveKit, in the domain's own terms.
// RecordingServer adapts the LiveKit module's `EgressClient` / `RoomServiceClient`
// to these; tests use in-memory fakes. Keeping LiveKit's `EgressInfo` out of the
// domain also keeps its echo of the S3 credentials out of everything we store,
// log or answer (LIVEKIT.md: "EgressInfo echoes the request").

/// Starting, stopping and inspecting room-composite egresses.
public protocol LiveKitEgress: Sendable {
    func startRoomComposite(_ request: RoomCompositeRecordingRequest) async throws(LiveKitFailure) -> EgressSnapshot
    func stopEgress(egressId: String) async throws(LiveKitFailure) -> EgressSnapshot
    /// Follows pagination to the end. `roomName` and `egressId` filter; `activeOnly` asks LiveKit for active ones only.
    func listEgress(roomName: String?, egressId: String?, activeOnly: Bool) async throws(LiveKitFailure) -> [EgressSnapshot]
    func updateLayout(egressId: String, layout: RecordingLayout) async throws(LiveKitFailure) -> EgressSnapshot
}

/// The rooms LiveKit has now.
public protocol LiveKitRooms: Sendable {
    /// All active rooms, or only those named.
    func listRooms(names: [String]?) async throws(LiveKitFailure) -> [RoomSnapshot]
    func listParticipants(roomName: String) async throws(LiveKitFailure) -> [ParticipantSnapshot]
}

/// Everything the service asks Egress for one recording.
public struct RoomCompositeRecordingRequest: Sendable, Equatable {
    public var roomName: String
    public var layout: RecordingLayout
    public var audioOnly: Bool
    /// LiveKit preset name (`H264_720P_30`, …); nil lets Egress choose.
    public var preset: String?
    /// The object key we built (never a LiveKit template).
    public var fileKey: String
    /// Stored as object metadata so the original room name survives beside the file.
    public var metadata: [String: String]

    public init(roomName: String, layout: RecordingLayout, audioOnly: Bool, preset: String?, fileKey: String, metadata: [String: String]) {
        self.roomName = roomName
        self.layout = layout
        self.audioOnly = audioOnly
        self.preset = preset
        self.fileKey = fileKey
        self.metadata = metadata
    }
}

/// The parts of LiveKit's EgressInfo the domain uses. Times are converted from
/// LiveKit's nanoseconds; LiveKit's `0` ("not yet") is nil.
public struct EgressSnapshot: Sendable, Equatable {
    public var egressId: String
    public var roomName: String
    public var roomId: String?
    public var status: RecordingStatus
    public var startedAt: Date?
    public var endedAt: Date?
    /// LiveKit's `updated_at`, in nanoseconds (0 when absent): orders updates that arrive out of order.
    public var updatedAtNanos: Int64
    public var error: String?
    public var errorCode: Int?
    public var files: [EgressFileResult]

    public init(egressId: String, roomName: String, roomId: String? = nil, status: RecordingStatus, startedAt: Date? = nil, endedAt: Date? = nil, updatedAtNanos: Int64 = 0, error: String? = nil, errorCode: Int? = nil, files: [EgressFileResult] = []) {
        self.egressId = egressId
        self.roomName = roomName
        self.roomId = roomId
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.updatedAtNanos = updatedAtNanos
        self.error = error
        self.errorCode = errorCode
        self.files = files
    }
}

public struct EgressFileResult: Sendable, Equatable {
    public var filename: String
    public var location: String?
    public var size: Int64?
    public var durationMs: Int64?

    public init(filename: String, location: String? = nil, size: Int64? = nil, durationMs: Int64? = nil) {
        self.filename = filename
        self.location = location
        self.size = size
        self.durationMs = durationMs
    }
}

public struct RoomSnapshot: Sendable, Equatable {
    public var name: String
    public var sid: String?
    public var numParticipants: Int
    public var createdAt: Date?
    /// LiveKit's own view of whether the room is being recorded (`active_recording`).
    public var activeRecording: Bool

    public init(name: String, sid: String? = nil, numParticipants: Int, createdAt: Date? = nil, activeRecording: Bool = false) {
        self.name = name
        self.sid = sid
        self.numParticipants = numParticipants
        self.createdAt = createdAt
        self.activeRecording = activeRecording
    }
}

public struct ParticipantSnapshot: Sendable, Equatable {
    public var identity: String
    public var name: String?

    public init(identity: String, name: String? = nil) {
        self.identity = identity
        self.name = name
    }
}

/// Why a LiveKit call failed, in the cases the domain treats differently.
public enum LiveKitFailure: Error, Sendable, Equatable {
    /// Connection refused, timeout, DNS, 5xx, Twirp `unavailable`/`deadline_exceeded`/`internal`:
    /// try later; the API answers 503 `livekit_unavailable`.
    case unavailable(String)
    /// Twirp `not_found`: "requested room does not exist", "egress does not exist".
    case notFound(String)
    /// Twirp `failed_precondition`: e.g. the egress is already ending or ended.
    case failedPrecondition(String)
    /// Our credentials were refused (401/`unauthenticated`, `permission_denied`): a configuration problem.
    case unauthenticated(String)
    /// Anything else LiveKit refused (`invalid_argument`, `malformed`, …): a bug on our side or bad input.
    case rejected(code: String, message: String)
}

/// The message alone, for logs and `/ready` (the enum's default text wraps and escapes it).
extension LiveKitFailure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unavailable(let message): message
        case .notFound(let message): "not found: \(message)"
        case .failedPrecondition(let message): "failed precondition: \(message)"
        case .unauthenticated(let message): "credentials refused: \(message)"
        case .rejected(let code, let message): "refused (\(code)): \(message)"
        }
    }
}
