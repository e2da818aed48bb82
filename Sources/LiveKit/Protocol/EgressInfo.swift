import Foundation

/// `livekit.EgressStatus`. Terminal: COMPLETE, FAILED, ABORTED, LIMIT_REACHED.
public enum EgressStatus: Int, Sendable, CaseIterable, CustomStringConvertible, ProtoEnum {
    case starting = 0
    case active = 1
    case ending = 2
    case complete = 3
    case failed = 4
    case aborted = 5
    case limitReached = 6

    /// LiveKit's name, e.g. `EGRESS_ACTIVE`.
    public var name: String {
        switch self {
        case .starting: "EGRESS_STARTING"
        case .active: "EGRESS_ACTIVE"
        case .ending: "EGRESS_ENDING"
        case .complete: "EGRESS_COMPLETE"
        case .failed: "EGRESS_FAILED"
        case .aborted: "EGRESS_ABORTED"
        case .limitReached: "EGRESS_LIMIT_REACHED"
        }
    }

    public var isTerminal: Bool {
        switch self {
        case .complete, .failed, .aborted, .limitReached: true
        case .starting, .active, .ending: false
        }
    }

    public var description: String { name }

    init?(protoName: String) {
        guard let status = Self.allCases.first(where: { $0.name == protoName }) else { return nil }
        self = status
    }

    static var protoDefault: EgressStatus { .starting }
}

/// What LiveKit says about one egress (`livekit.EgressInfo`). The request echo
/// (`room_composite` …, which carries the S3 secret) is deliberately not decoded.
public struct EgressInfo: Sendable, Equatable, Decodable {
    public var egressId: String
    public var roomId: String
    public var roomName: String
    /// Missing means `EGRESS_STARTING` (protobuf default; webhooks omit it).
    public var status: EgressStatus
    /// Nanoseconds since the epoch; 0 until known.
    public var startedAtNanos: Int64
    public var endedAtNanos: Int64
    /// Nanoseconds; orders updates that arrive out of order.
    public var updatedAtNanos: Int64
    public var error: String
    /// 412 goes with ABORTED ("Start signal not received"), 413 with LIMIT_REACHED.
    public var errorCode: Int32
    public var details: String
    /// `file_results`; when a server only fills the deprecated single `file`, that one.
    public var fileResults: [FileInfo]

    public var startedAt: Date? { ProtoTime.date(nanoseconds: startedAtNanos) }
    public var endedAt: Date? { ProtoTime.date(nanoseconds: endedAtNanos) }
    public var updatedAt: Date? { ProtoTime.date(nanoseconds: updatedAtNanos) }

    public init(
        egressId: String, roomId: String = "", roomName: String, status: EgressStatus,
        startedAtNanos: Int64 = 0, endedAtNanos: Int64 = 0, updatedAtNanos: Int64 = 0,
        error: String = "", errorCode: Int32 = 0, details: String = "", fileResults: [FileInfo] = []
    ) {
        self.egressId = egressId
        self.roomId = roomId
        self.roomName = roomName
        self.status = status
        self.startedAtNanos = startedAtNanos
        self.endedAtNanos = endedAtNanos
        self.updatedAtNanos = updatedAtNanos
        self.error = error
        self.errorCode = errorCode
        self.details = details
        self.fileResults = fileResults
    }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.protoContainer
        egressId = try fields.protoString("egress_id")
        roomId = try fields.protoString("room_id")
        roomName = try fields.protoString("room_name")
        status = try fields.protoEnum("status")
        startedAtNanos = try fields.protoInteger("started_at")
        endedAtNanos = try fields.protoInteger("ended_at")
        updatedAtNanos = try fields.protoInteger("updated_at")
        error = try fields.protoString("error")
        errorCode = try fields.protoInteger("error_code", as: Int32.self)
        details = try fields.protoString("details")
        let results = try fields.protoRepeated("file_results", of: FileInfo.self)
        // `file` is the deprecated single result (oneof `result`), still sent by older servers.
        if results.isEmpty, let legacy = try fields.protoMessage("file", as: FileInfo.self) {
            fileResults = [legacy]
        } else {
            fileResults = results
        }
    }
}

/// One uploaded file (`livekit.FileInfo`). Times and `duration` are nanoseconds.
public struct FileInfo: Sendable, Equatable, Decodable {
    public var filename: String
    public var startedAtNanos: Int64
    public var endedAtNanos: Int64
    public var durationNanos: Int64
    public var size: Int64
    public var location: String

    public var startedAt: Date? { ProtoTime.date(nanoseconds: startedAtNanos) }
    public var endedAt: Date? { ProtoTime.date(nanoseconds: endedAtNanos) }
    /// Whole milliseconds of `durationNanos`.
    public var durationMilliseconds: Int64 { durationNanos / 1_000_000 }

    public init(filename: String, startedAtNanos: Int64 = 0, endedAtNanos: Int64 = 0, durationNanos: Int64 = 0, size: Int64 = 0, location: String = "") {
        self.filename = filename
        self.startedAtNanos = startedAtNanos
        self.endedAtNanos = endedAtNanos
        self.durationNanos = durationNanos
        self.size = size
        self.location = location
    }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.protoContainer
        filename = try fields.protoString("filename")
        startedAtNanos = try fields.protoInteger("started_at")
        endedAtNanos = try fields.protoInteger("ended_at")
        durationNanos = try fields.protoInteger("duration")
        size = try fields.protoInteger("size")
        location = try fields.protoString("location")
    }
}

/// `livekit.TokenPagination`.
struct TokenPagination: Sendable, Equatable, Codable {
    var token: String

    init(token: String) { self.token = token }

    init(from decoder: any Decoder) throws {
        token = try decoder.protoContainer.protoString("token")
    }
}

/// `livekit.ListEgressResponse`.
struct ListEgressResponse: Sendable, Decodable {
    var items: [EgressInfo]
    var nextPageToken: String

    init(from decoder: any Decoder) throws {
        let fields = try decoder.protoContainer
        items = try fields.protoRepeated("items")
        nextPageToken = try fields.protoMessage("next_page_token", as: TokenPagination.self)?.token ?? ""
    }
}
