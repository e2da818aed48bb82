/// Who is calling, once their credentials have been checked.
enum Principal: Sendable, Equatable {
    /// A trusted back end or tool holding an operator key; full access.
    case `operator`(name: String)
    /// A LiveKit participant, with the room its token was issued for.
    case participant(identity: String, room: String)
    /// `RECORDING_AUTH=disabled`: nobody is checked.
    case anonymous

    /// The name the audit trail and `startedBy` record (never the credential itself).
    var auditName: String {
        switch self {
        case .operator(let name): "operator:\(name)"
        case .participant(let identity, _): identity
        case .anonymous: "anonymous"
        }
    }

    var actorKind: String {
        switch self {
        case .operator: "operator"
        case .participant: "participant"
        case .anonymous: "anonymous"
        }
    }
}

/// What a caller wants to do, with the room it concerns where that matters.
enum Action: Sendable, Equatable {
    case start(room: String)
    /// Acting on an existing recording: its room, or nil when the caller may act on any
    /// room and the recording was not read to find out (operators, open mode).
    case stop(room: String?)
    case status(room: String?)
    case updateLayout(room: String?)
    case download(room: String?)
    /// Listing, optionally filtered to a room.
    case list(room: String?)
    case listRooms
    case delete
    case readAudit

    /// Mutating calls are audited and rate-limited.
    var isMutating: Bool {
        switch self {
        case .start, .stop, .updateLayout, .delete: true
        case .status, .download, .list, .listRooms, .readAudit: false
        }
    }
}

/// The grants of a verified LiveKit participant token that matter here.
struct ParticipantClaims: Sendable, Equatable {
    var identity: String
    var room: String?
    var roomJoin: Bool
    var roomAdmin: Bool
    var roomRecord: Bool
}

/// Why a participant token was not accepted. Only `expired` is told to the caller
/// as such (it helps a legitimate app refresh); everything else is "invalid".
enum ParticipantTokenRejection: Error, Sendable, Equatable {
    case expired
    case invalid
}

/// Verifies a LiveKit participant token (HS256 with the LiveKit API secret).
protocol ParticipantTokenVerifying: Sendable {
    func verify(_ token: String) throws(ParticipantTokenRejection) -> ParticipantClaims
}
