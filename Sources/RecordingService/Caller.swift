/// Who asks for a change, for the audit trail and `startedBy`/`stoppedBy`.
public struct Caller: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// Holder of an operator API key (`name` is the key's name).
        case `operator`
        /// A room participant authenticated by a LiveKit token (`name` is the identity).
        case participant
        /// Authentication is disabled (`RECORDING_AUTH=disabled`).
        case anonymous
        /// The service itself: reconcile, max duration, retention.
        case system
    }

    public var name: String
    public var kind: Kind
    public var remoteAddress: String?

    public init(name: String, kind: Kind, remoteAddress: String? = nil) {
        self.name = name
        self.kind = kind
        self.remoteAddress = remoteAddress
    }

    public static func system(_ name: String) -> Caller { Caller(name: name, kind: .system) }
}
