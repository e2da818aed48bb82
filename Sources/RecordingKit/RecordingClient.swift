import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecordingModels

/// A client of the Recording API (DESIGN.md, "The public API").
///
/// Every call asks `token` for a bearer token (so a refreshed LiveKit token is picked
/// up), and throws only `RecordingError`. Reads, and `stop`, which the contract makes
/// idempotent, retry transient failures under `retryPolicy`. `start` retries too, but
/// never blindly; see `start(roomName:layout:options:)`.
public struct RecordingClient: Sendable {
    public let baseURL: URL
    public var retryPolicy: RetryPolicy
    let token: @Sendable () async throws -> String?
    let session: URLSession

    public init(
        baseURL: URL,
        token: @escaping @Sendable () async throws -> String?,
        session: URLSession = .shared,
        retryPolicy: RetryPolicy = .default
    ) {
        self.baseURL = baseURL
        self.token = token
        self.session = session
        self.retryPolicy = retryPolicy
    }

    // MARK: Recordings

    /// Starts recording `roomName` (a Matrix room id such as `!abc:example.org`).
    ///
    /// The server keeps at most one active recording per room, so sending the start
    /// again cannot create a second one: a repeat either starts it or is refused with
    /// 409 `already_recording` naming the active recording. Hence:
    /// - A transient failure (no answer, 502/503/504, 429) is retried under `retryPolicy`.
    /// - A 409 on a *retry* means an earlier attempt whose answer was lost probably
    ///   started it: the active recording is fetched and returned as if started now.
    /// - A 409 on the *first* attempt means someone else is already recording:
    ///   `RecordingError.alreadyRecording(egressId:message:)` is thrown, naming it.
    public func start(
        roomName: String, layout: RecordingLayout? = nil, options: StartOptions = StartOptions()
    ) async throws(RecordingError) -> StartRecordingResponse {
        let body = StartRecordingRequest(
            roomName: roomName, layout: layout, audioOnly: options.audioOnly,
            preset: options.preset, maxDurationSeconds: options.maxDurationSeconds)
        let endpoint = try Endpoint(method: "POST", path: ["api", "recording", "start"], body: body)
        var attempt = 1
        while true {
            do {
                return try await send(endpoint, as: StartRecordingResponse.self)
            } catch {
                if case .alreadyRecording(let egressId?, _) = error, attempt > 1 {
                    return StartRecordingResponse(recording: try await status(egressId: egressId))
                }
                guard let delay = retryPolicy.delay(afterAttempt: attempt, error: error) else { throw error }
                try await wait(delay)
                attempt += 1
            }
        }
    }

    /// Stops a recording. Idempotent by contract: stopping one that already ended
    /// answers 200 with its final state, so this retries transient failures.
    public func stop(egressId: String) async throws(RecordingError) -> StopRecordingResponse {
        let endpoint = try Endpoint(method: "POST", path: ["api", "recording", "stop"], body: StopRecordingRequest(egressId: egressId))
        return try await sendRetrying(endpoint, as: StopRecordingResponse.self)
    }

    public func status(egressId: String) async throws(RecordingError) -> RecordingInfo {
        let endpoint = Endpoint(method: "GET", path: ["api", "recording", "status", egressId])
        return try await sendRetrying(endpoint, as: RecordingStatusResponse.self).egress
    }

    /// One page of recordings, newest first; pass `nextCursor` back as `filter.cursor` for the next.
    public func list(filter: RecordingFilter = RecordingFilter()) async throws(RecordingError) -> RecordingListResponse {
        let endpoint = Endpoint(method: "GET", path: ["api", "recording", "list"], query: filter.queryItems)
        return try await sendRetrying(endpoint, as: RecordingListResponse.self)
    }

    /// A presigned link to the file of an ended recording (it expires at `expiresAt`).
    public func downloadLink(egressId: String) async throws(RecordingError) -> DownloadLinkResponse {
        let endpoint = Endpoint(method: "GET", path: ["api", "recording", "download", egressId])
        return try await sendRetrying(endpoint, as: DownloadLinkResponse.self)
    }

    public func updateLayout(egressId: String, layout: RecordingLayout) async throws(RecordingError) -> UpdateLayoutResponse {
        let endpoint = try Endpoint(
            method: "POST", path: ["api", "recording", "layout"], body: UpdateLayoutRequest(egressId: egressId, layout: layout))
        return try await send(endpoint, as: UpdateLayoutResponse.self)
    }

    /// Deletes the file and the record of an ended recording. Not retried: a repeat of a
    /// delete that went through answers 404, which would hide the success.
    public func delete(egressId: String) async throws(RecordingError) -> DeleteRecordingResponse {
        let endpoint = Endpoint(method: "DELETE", path: ["api", "recording", egressId])
        return try await send(endpoint, as: DeleteRecordingResponse.self)
    }

    // MARK: Service

    /// LiveKit's active rooms, with participants and whether each is being recorded.
    public func rooms() async throws(RecordingError) -> [RoomSummary] {
        try await sendRetrying(Endpoint(method: "GET", path: ["api", "rooms"]), as: RoomsResponse.self).rooms
    }

    public func health() async throws(RecordingError) -> HealthResponse {
        try await sendRetrying(Endpoint(method: "GET", path: ["health"]), as: HealthResponse.self)
    }
}

/// What `start` may ask for beyond room and layout.
public struct StartOptions: Sendable, Equatable {
    public var audioOnly: Bool?
    /// A LiveKit encoding preset name, e.g. `H264_720P_30`.
    public var preset: String?
    public var maxDurationSeconds: Int?

    public init(audioOnly: Bool? = nil, preset: String? = nil, maxDurationSeconds: Int? = nil) {
        self.audioOnly = audioOnly
        self.preset = preset
        self.maxDurationSeconds = maxDurationSeconds
    }
}

/// The query of `GET /api/recording/list`.
public struct RecordingFilter: Sendable, Equatable {
    public var roomName: String?
    public var status: RecordingStatus?
    /// Only recordings still holding their room (starting, active, ending).
    public var active: Bool?
    public var limit: Int?
    public var cursor: String?

    public init(roomName: String? = nil, status: RecordingStatus? = nil, active: Bool? = nil, limit: Int? = nil, cursor: String? = nil) {
        self.roomName = roomName
        self.status = status
        self.active = active
        self.limit = limit
        self.cursor = cursor
    }

    var queryItems: [(name: String, value: String)] {
        var items: [(name: String, value: String)] = []
        if let roomName { items.append(("roomName", roomName)) }
        if let status { items.append(("status", status.rawValue)) }
        if let active { items.append(("active", active ? "true" : "false")) }
        if let limit { items.append(("limit", String(limit))) }
        if let cursor { items.append(("cursor", cursor)) }
        return items
    }
}
