import RecordingModels

/// Every failure the recording domain answers with. The HTTP layer turns `kind`
/// into a status and `code`/`message` into `{"success":false,"code","error"}`.
/// Messages are sentences a person can act on; they never carry a secret
/// (LiveKit's and S3's own messages are logged, not answered).
public struct RecordingServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// How the HTTP layer should answer.
    public enum Kind: Sendable, Equatable {
        /// 400: the request itself is wrong.
        case badRequest
        /// 403
        case forbidden
        /// 404
        case notFound
        /// 409: the recording or room is in a state that does not allow it.
        case conflict
        /// 502: LiveKit or S3 refused in a way that is not the caller's fault.
        case upstream
        /// 503: a dependency is down; retry later.
        case unavailable
        /// 500
        case `internal`
    }

    /// One of `APIErrorCode`.
    public let code: String
    public let message: String
    public let kind: Kind
    /// Set where it helps the caller recover (e.g. the recording already running).
    public let egressId: String?
    public let retryAfterSeconds: Int?

    public init(code: String, message: String, kind: Kind, egressId: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.kind = kind
        self.egressId = egressId
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code): \(message)" }

    /// The wire body.
    public var response: ErrorResponse {
        ErrorResponse(code: code, error: message, egressId: egressId, retryAfterSeconds: retryAfterSeconds)
    }
}

extension RecordingServiceError {
    static func invalidField(_ field: String, _ message: String) -> Self {
        Self(code: APIErrorCode.invalidField, message: message, kind: .badRequest)
    }

    static func invalidRoomName(_ message: String) -> Self {
        Self(code: APIErrorCode.invalidRoomName, message: message, kind: .badRequest)
    }

    static func invalidLayout(_ value: String) -> Self {
        Self(
            code: APIErrorCode.invalidLayout,
            message: "Field 'layout' must be one of \(RecordingLayout.allowedValues); got '\(value.prefix(64))'.",
            kind: .badRequest)
    }

    static func invalidPreset(_ value: String) -> Self {
        Self(
            code: APIErrorCode.invalidPreset,
            message: "Field 'preset' must be one of \(EncodingPreset.allowedValues); got '\(value.prefix(64))'.",
            kind: .badRequest)
    }

    static func roomNotFound(_ roomName: String) -> Self {
        Self(
            code: APIErrorCode.roomNotFound,
            message: "LiveKit has no active room named '\(roomName)'. Join the room first, then start the recording.",
            kind: .notFound)
    }

    static func recordingNotFound(_ egressId: String) -> Self {
        Self(code: APIErrorCode.notFound, message: "No recording has egress id '\(egressId)'. List recordings to find the right id.", kind: .notFound)
    }

    static func alreadyRecording(roomName: String, egressId: String?) -> Self {
        let which = egressId.map { " (egress id \($0))" } ?? " (its egress id is not known yet; retry in a moment to see it)"
        return Self(
            code: APIErrorCode.alreadyRecording,
            message: "Room '\(roomName)' is already being recorded\(which). Stop that recording before starting another.",
            kind: .conflict, egressId: egressId)
    }

    static func notActive(_ egressId: String, status: RecordingStatus) -> Self {
        Self(
            code: APIErrorCode.notActive,
            message: "Recording \(egressId) is \(status.rawValue), not running, so its layout can no longer change.",
            kind: .conflict, egressId: egressId)
    }

    static func notActiveYet(_ egressId: String) -> Self {
        Self(
            code: APIErrorCode.notActive,
            message: "Recording \(egressId) is still \(RecordingStatus.starting.rawValue); LiveKit changes the layout once it is active. Try again in a few seconds.",
            kind: .conflict, egressId: egressId, retryAfterSeconds: 2)
    }

    static func recordingActive(_ egressId: String, status: RecordingStatus) -> Self {
        Self(
            code: APIErrorCode.recordingActive,
            message: "Recording \(egressId) is still \(status.rawValue). Stop it and wait for it to end before deleting it.",
            kind: .conflict, egressId: egressId)
    }

    static func notReady(_ egressId: String, status: RecordingStatus) -> Self {
        let why = status.isTerminal
            ? "ended as \(status.rawValue), so it has no file to download"
            : "is \(status.rawValue); its file can be downloaded once it is EGRESS_COMPLETE"
        return Self(code: APIErrorCode.notReady, message: "Recording \(egressId) \(why).", kind: .conflict, egressId: egressId)
    }

    static func fileMissing(_ egressId: String) -> Self {
        Self(
            code: APIErrorCode.fileMissing,
            message: "Recording \(egressId) completed but its file is not in the bucket: the upload did not arrive. Check the Egress logs and its S3 settings.",
            kind: .notFound, egressId: egressId)
    }

    /// LiveKit's own message stays in the logs: it may echo request details.
    static func liveKit(_ failure: LiveKitFailure, action: String) -> Self {
        switch failure {
        case .unavailable:
            Self(
                code: APIErrorCode.livekitUnavailable,
                message: "LiveKit did not answer while trying to \(action). Try again in a few seconds.",
                kind: .unavailable, retryAfterSeconds: 5)
        case .unauthenticated:
            Self(
                code: APIErrorCode.livekitError,
                message: "LiveKit refused our credentials while trying to \(action). An operator must check LIVEKIT_API_KEY and LIVEKIT_API_SECRET.",
                kind: .upstream)
        case .notFound, .failedPrecondition, .rejected:
            Self(
                code: APIErrorCode.livekitError,
                message: "LiveKit refused to \(action). See the server log for LiveKit's reason.",
                kind: .upstream)
        }
    }

    static func storage(_ failure: ObjectStorageFailure, action: String) -> Self {
        switch failure {
        case .unavailable:
            Self(
                code: APIErrorCode.storageUnavailable,
                message: "The recordings bucket did not answer while trying to \(action). Try again in a few seconds.",
                kind: .unavailable, retryAfterSeconds: 5)
        case .accessDenied, .noSuchBucket, .invalid:
            Self(
                code: APIErrorCode.storageUnavailable,
                message: "The recordings bucket refused to \(action). An operator must check the S3 settings.",
                kind: .upstream)
        }
    }

    static func database(_ error: any Error) -> Self {
        Self(
            code: APIErrorCode.databaseUnavailable,
            message: "The recordings database did not answer (unreachable, busy or locked). Try again in a few seconds.",
            kind: .unavailable, retryAfterSeconds: 5)
    }

    static func `internal`(_ message: String) -> Self {
        Self(code: APIErrorCode.internalError, message: message, kind: .internal)
    }
}
