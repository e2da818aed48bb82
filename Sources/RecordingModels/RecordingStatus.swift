/// A recording's state, named exactly as LiveKit names egress states: the iOS app
/// already compares against these strings.
public enum RecordingStatus: String, Codable, Sendable, CaseIterable {
    case starting = "EGRESS_STARTING"
    case active = "EGRESS_ACTIVE"
    case ending = "EGRESS_ENDING"
    case complete = "EGRESS_COMPLETE"
    case failed = "EGRESS_FAILED"
    case aborted = "EGRESS_ABORTED"
    case limitReached = "EGRESS_LIMIT_REACHED"

    /// Ended for good: nothing will change it again.
    public var isTerminal: Bool {
        switch self {
        case .complete, .failed, .aborted, .limitReached: true
        case .starting, .active, .ending: false
        }
    }

    /// Still holds the room: a second recording may not start while one is in these states.
    public var isActive: Bool { !isTerminal }
}

/// The four room-composite layouts LiveKit Egress ships templates for.
public enum RecordingLayout: String, Codable, Sendable, CaseIterable {
    case gridDark = "grid-dark"
    case gridLight = "grid-light"
    case speakerDark = "speaker-dark"
    case speakerLight = "speaker-light"

    public static let `default`: RecordingLayout = .gridDark

    /// The allowed values as one phrase, for error messages.
    public static var allowedValues: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
