import Foundation
import HTTPServer
import JSONWriting
import RecordingModels
import RecordingModelsJSON
import RecordingService
import RecordingStore

/// The recording endpoints of the public contract (../shared/DESIGN.md) and their
/// extensions. Each handler: who is calling → what they ask → may they → the domain → JSON.
struct RecordingRoutes: Sendable {
    let service: RecordingService
    let gate: AccessGate
    let audit: AuditTrail
    let metrics: ServiceMetrics

    func register(on router: inout Router) {
        router.on("POST", "/api/recording/start", api(start))
        router.on("POST", "/api/recording/stop", api(stop))
        router.on("GET", "/api/recording/status/{egressId}", api(status))
        router.on("GET", "/api/recording/list", api(list))
        router.on("POST", "/api/recording/layout", api(updateLayout))
        router.on("GET", "/api/recording/download/{egressId}", api(download))
        router.on("DELETE", "/api/recording/{egressId}", api(delete))
        router.on("GET", "/api/rooms", api(rooms))
        router.on("GET", "/api/audit", api(auditTrail))
    }

    // MARK: Handlers

    func start(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        let body = try RequestBodyDecoder.decode(StartRecordingRequest.self, from: request.body)
        try await gate.admit(principal, .start(room: body.roomName), request: request)
        let recording = try await domain { try await service.start(body, by: gate.caller(principal, request)) }
        metrics.recordingStarted()
        return json(StartRecordingResponse(recording: recording))
    }

    func stop(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        let body = try RequestBodyDecoder.decode(StopRecordingRequest.self, from: request.body)
        let egressId = try Self.checkedEgressId(body.egressId, from: "Field 'egressId'")
        try await authorizeOnRecording(principal, egressId, request) { .stop(room: $0) }
        let recording = try await domain { try await service.stop(egressId: egressId, by: gate.caller(principal, request)) }
        return json(StopRecordingResponse(recording: recording))
    }

    func status(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        let egressId = try pathEgressId(request)
        let recording = try await domain { try await service.status(egressId: egressId) }
        try await gate.admit(principal, .status(room: recording.roomName), request: request, egressId: egressId)
        return json(RecordingStatusResponse(egress: recording))
    }

    func list(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        let query = try ListQuery(request)
        // A participant sees only the room of its token, whether or not it asked for it.
        var roomName = query.roomName
        if case .participant(_, let room) = principal, roomName == nil { roomName = room }
        try await gate.admit(principal, .list(room: roomName), request: request)
        let page = try await domain {
            try await service.list(roomName: roomName, status: query.status, activeOnly: query.active, limit: query.limit, cursor: query.cursor)
        }
        return json(page)
    }

    func updateLayout(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        let body = try RequestBodyDecoder.decode(UpdateLayoutRequest.self, from: request.body)
        let egressId = try Self.checkedEgressId(body.egressId, from: "Field 'egressId'")
        try await authorizeOnRecording(principal, egressId, request) { .updateLayout(room: $0) }
        let recording = try await domain {
            try await service.updateLayout(egressId: egressId, layout: body.layout.rawValue, by: gate.caller(principal, request))
        }
        return try json(UpdateLayoutResponse(egressId: recording.egressId, layout: recording.layout ?? body.layout, status: recording.status))
    }

    func download(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        let egressId = try pathEgressId(request)
        let redirect = try QueryReader(request).boolean("redirect") ?? false
        try await authorizeOnRecording(principal, egressId, request) { .download(room: $0) }
        let link = try await domain { try await service.downloadLink(egressId: egressId) }
        if redirect { return .redirect(to: link.url.absoluteString) }
        return try json(DownloadLinkResponse(url: link.url.absoluteString, expiresAt: link.expiresAt))
    }

    func delete(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        let egressId = try pathEgressId(request)
        try await gate.admit(principal, .delete, request: request, egressId: egressId)
        _ = try await domain { try await service.delete(egressId: egressId, by: gate.caller(principal, request)) }
        return try json(DeleteRecordingResponse(egressId: egressId))
    }

    func rooms(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        try await gate.admit(principal, .listRooms, request: request)
        return try json(RoomsResponse(rooms: try await domain { try await service.rooms() }))
    }

    func auditTrail(_ request: Request) async throws(APIError) -> Response {
        let principal = try gate.principal(for: request)
        try await gate.admit(principal, .readAudit, request: request)
        let reader = QueryReader(request)
        let query = AuditQuery(
            roomName: try reader.text("roomName", maxLength: 256), egressId: try reader.text("egressId", maxLength: 256),
            limit: try reader.integer("limit", in: 1...500) ?? 50, cursor: try reader.text("cursor"))
        return try json(try await audit.page(query))
    }

    // MARK: Plumbing

    /// Loads the recording to learn its room, then checks the caller may act on that room.
    private func authorizeOnRecording(
        _ principal: Principal, _ egressId: String, _ request: Request, _ action: (String?) -> Action
    ) async throws(APIError) {
        if case .participant = principal {
            let recording = try await domain { try await service.status(egressId: egressId) }
            try await gate.admit(principal, action(recording.roomName), request: request, egressId: egressId)
        } else {
            // Operators and open mode may act on any room: no need to read the recording first.
            try await gate.admit(principal, action(nil), request: request, egressId: egressId)
        }
    }

    private func pathEgressId(_ request: Request) throws(APIError) -> String {
        try Self.checkedEgressId(request.pathParameters["egressId"] ?? "", from: "The egress id in the path")
    }

    /// An egress id from a path or a body: 1 to 256 characters as JSON Schema's maxLength
    /// counts them (code points, as the OpenAPI document says) and no control characters.
    /// A NUL in particular: libpq sends text as C strings, so `EG_1\u0000x` reached
    /// PostgreSQL as `EG_1` and stopped that recording (SQLite compared it whole: 404).
    static func checkedEgressId(_ egressId: String, from source: String) throws(APIError) -> String {
        let scalars = egressId.unicodeScalars
        guard !scalars.isEmpty, scalars.count <= 256, !scalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .badRequest(APIErrorCode.invalidField, "\(source) must be an egress id: 1 to 256 characters, none of them control characters.")
        }
        return egressId
    }

    /// Runs a domain call; its `RecordingServiceError` becomes the matching API error.
    private func domain<T>(_ body: () async throws -> T) async throws(APIError) -> T {
        do {
            return try await body()
        } catch let error as RecordingServiceError {
            throw APIError(error)
        } catch let error as APIError {
            throw error
        } catch {
            throw .internalError
        }
    }

    /// Hot responses (status, list, start, stop): written by hand, cannot fail.
    private func json(_ value: some JSONWritable) -> Response {
        Response.json(value)
    }

    private func json(_ value: some Encodable) throws(APIError) -> Response {
        do {
            return try Response.json(value)
        } catch {
            throw .internalError
        }
    }

    /// Adapts a typed-throwing handler to the router; an `APIError` becomes its JSON answer.
    private func api(_ handler: @escaping @Sendable (Request) async throws(APIError) -> Response) -> HTTPHandler {
        { request in
            do {
                return try await handler(request)
            } catch {
                return (error as? APIError ?? .internalError).response
            }
        }
    }
}

/// `GET /api/recording/list` parameters, validated.
struct ListQuery {
    var roomName: String?
    var status: RecordingStatus?
    var active: Bool
    var limit: Int?
    var cursor: String?

    init(_ request: Request) throws(APIError) {
        let reader = QueryReader(request)
        roomName = try reader.text("roomName", maxLength: 256)
        if let text = try reader.typed("status") {
            guard let status = RecordingStatus(rawValue: text) else {
                throw .badRequest(APIErrorCode.invalidField, "`status` must be one of: \(RecordingStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            self.status = status
        }
        active = try reader.boolean("active") ?? false
        limit = try reader.integer("limit", in: 1...500)
        cursor = try reader.text("cursor")
    }
}

/// Typed query parameters with 400s that name the parameter.
struct QueryReader {
    let request: Request

    init(_ request: Request) {
        self.request = request
    }

    /// `maxLength` counts code points, as JSON Schema's `maxLength` in the OpenAPI document does.
    func text(_ name: String, maxLength: Int = 512) throws(APIError) -> String? {
        guard let value = request.query[name], !value.isEmpty else { return nil }
        guard value.unicodeScalars.count <= maxLength else {
            throw .badRequest(APIErrorCode.invalidField, "The query parameter `\(name)` is longer than \(maxLength) characters.")
        }
        return value
    }

    /// A parameter with a type or a set of values: present but empty (`?active=`) is a bad
    /// value, not an absent one (the OpenAPI document does not allow it; schemathesis sends it).
    func typed(_ name: String) throws(APIError) -> String? {
        guard let value = request.query[name] else { return nil }
        guard !value.isEmpty else {
            throw .badRequest(APIErrorCode.invalidField, "The query parameter `\(name)` is empty; leave it out or give it a value.")
        }
        return try text(name)
    }

    func boolean(_ name: String) throws(APIError) -> Bool? {
        guard let value = try typed(name) else { return nil }
        switch value.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .badRequest(APIErrorCode.invalidField, "The query parameter `\(name)` must be true or false.")
        }
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let value = try typed(name) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw .badRequest(APIErrorCode.invalidField, "The query parameter `\(name)` must be a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }
}
