import Foundation

/// An active room (`livekit.Room`).
public struct Room: Sendable, Equatable, Decodable {
    public var sid: String
    public var name: String
    public var numParticipants: Int
    /// `creation_time`: SECONDS since the epoch (unlike EgressInfo's nanoseconds).
    public var creationTimeSeconds: Int64
    /// `creation_time_ms`, sent by newer servers; 0 when absent.
    public var creationTimeMilliseconds: Int64
    /// LiveKit's own view of whether an egress records the room.
    public var activeRecording: Bool
    public var metadata: String

    /// From `creation_time_ms` when the server sends it, else from `creation_time`.
    public var createdAt: Date? {
        ProtoTime.date(milliseconds: creationTimeMilliseconds) ?? ProtoTime.date(seconds: creationTimeSeconds)
    }

    public init(sid: String = "", name: String, numParticipants: Int = 0, creationTimeSeconds: Int64 = 0, creationTimeMilliseconds: Int64 = 0, activeRecording: Bool = false, metadata: String = "") {
        self.sid = sid
        self.name = name
        self.numParticipants = numParticipants
        self.creationTimeSeconds = creationTimeSeconds
        self.creationTimeMilliseconds = creationTimeMilliseconds
        self.activeRecording = activeRecording
        self.metadata = metadata
    }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.protoContainer
        sid = try fields.protoString("sid")
        name = try fields.protoString("name")
        numParticipants = Int(try fields.protoInteger("num_participants", as: UInt32.self))
        creationTimeSeconds = try fields.protoInteger("creation_time")
        creationTimeMilliseconds = try fields.protoInteger("creation_time_ms")
        activeRecording = try fields.protoBool("active_recording")
        metadata = try fields.protoString("metadata")
    }
}

/// `livekit.ParticipantInfo.State`.
public enum ParticipantState: Int, Sendable, CaseIterable, ProtoEnum {
    case joining = 0
    case joined = 1
    case active = 2
    case disconnected = 3

    public var name: String {
        switch self {
        case .joining: "JOINING"
        case .joined: "JOINED"
        case .active: "ACTIVE"
        case .disconnected: "DISCONNECTED"
        }
    }

    init?(protoName: String) {
        guard let state = Self.allCases.first(where: { $0.name == protoName }) else { return nil }
        self = state
    }

    static var protoDefault: ParticipantState { .joining }
}

/// A participant of a room (`livekit.ParticipantInfo`).
public struct ParticipantInfo: Sendable, Equatable, Decodable {
    public var sid: String
    public var identity: String
    public var name: String
    public var state: ParticipantState
    public var metadata: String
    /// `joined_at`: SECONDS since the epoch.
    public var joinedAtSeconds: Int64
    /// `kind`; nil for a kind newer than this client knows (counted as a person).
    public var kind: ParticipantKind?

    public var joinedAt: Date? { ProtoTime.date(seconds: joinedAtSeconds) }

    public init(sid: String = "", identity: String, name: String = "", state: ParticipantState = .joining, metadata: String = "", joinedAtSeconds: Int64 = 0, kind: ParticipantKind? = .standard) {
        self.sid = sid
        self.identity = identity
        self.name = name
        self.state = state
        self.metadata = metadata
        self.joinedAtSeconds = joinedAtSeconds
        self.kind = kind
    }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.protoContainer
        sid = try fields.protoString("sid")
        identity = try fields.protoString("identity")
        name = try fields.protoString("name")
        state = try fields.protoEnum("state")
        metadata = try fields.protoString("metadata")
        joinedAtSeconds = try fields.protoInteger("joined_at")
        kind = try? fields.protoEnum("kind", as: ParticipantKind.self)
    }
}

/// `livekit.ParticipantInfo.Kind`. An egress joins the room it records as a hidden
/// participant of kind EGRESS whose identity is the egress id: a recorder, not a person.
public enum ParticipantKind: Int, Sendable, CaseIterable, ProtoEnum {
    case standard = 0
    case ingress = 1
    case egress = 2
    case sip = 3
    case agent = 4

    public var name: String {
        switch self {
        case .standard: "STANDARD"
        case .ingress: "INGRESS"
        case .egress: "EGRESS"
        case .sip: "SIP"
        case .agent: "AGENT"
        }
    }

    init?(protoName: String) {
        guard let kind = Self.allCases.first(where: { $0.name == protoName }) else { return nil }
        self = kind
    }

    static var protoDefault: ParticipantKind { .standard }
}

/// `livekit.ListRoomsResponse`.
struct ListRoomsResponse: Sendable, Decodable {
    var rooms: [Room]

    init(from decoder: any Decoder) throws {
        rooms = try decoder.protoContainer.protoRepeated("rooms")
    }
}

/// `livekit.ListParticipantsResponse`.
struct ListParticipantsResponse: Sendable, Decodable {
    var participants: [ParticipantInfo]

    init(from decoder: any Decoder) throws {
        participants = try decoder.protoContainer.protoRepeated("participants")
    }
}
