import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// LiveKit's `livekit.Egress` service: room-composite recordings.
/// Every call is authorised with a `roomRecord` grant only.
public final class EgressClient: Sendable {
    let twirp: TwirpClient

    public init(connection: LiveKitConnection, logger: Logger? = nil) {
        twirp = TwirpClient(connection: connection, logger: logger)
    }

    init(twirp: TwirpClient) {
        self.twirp = twirp
    }

    public func startRoomCompositeEgress(_ request: RoomCompositeEgressRequest) async throws(LiveKitError) -> EgressInfo {
        try await call("StartRoomCompositeEgress", request)
    }

    /// Fails with Twirp `failed_precondition` when the egress is already ending or ended,
    /// `not_found` when LiveKit does not know the id (it forgets ended egresses after about a day).
    public func stopEgress(egressId: String) async throws(LiveKitError) -> EgressInfo {
        try await call("StopEgress", StopEgressRequest(egressId: egressId))
    }

    public func updateLayout(egressId: String, layout: String) async throws(LiveKitError) -> EgressInfo {
        try await call("UpdateLayout", UpdateLayoutRequest(egressId: egressId, layout: layout))
    }

    /// Every egress matching the filters, following `next_page_token` until LiveKit sends none.
    public func listEgress(roomName: String? = nil, egressId: String? = nil, active: Bool = false) async throws(LiveKitError) -> [EgressInfo] {
        var items: [EgressInfo] = []
        var pageToken: String?
        var seenTokens: Set<String> = []
        repeat {
            let request = ListEgressRequest(
                roomName: roomName.flatMap { $0.isEmpty ? nil : $0 },
                egressId: egressId.flatMap { $0.isEmpty ? nil : $0 },
                active: active,
                pageToken: pageToken.map(TokenPagination.init(token:)))
            let page: ListEgressResponse = try await call("ListEgress", request)
            items += page.items
            pageToken = page.nextPageToken.isEmpty ? nil : page.nextPageToken
            // A server that hands back a token it already gave would make this loop forever.
            if let token = pageToken, !seenTokens.insert(token).inserted {
                throw .invalidResponse("ListEgress returned the same page token twice")
            }
        } while pageToken != nil
        return items
    }

    private func call<Response: Decodable>(_ method: String, _ body: some Encodable) async throws(LiveKitError) -> Response {
        try await twirp.call(service: "Egress", method: method, body: body, grant: .egress)
    }
}

/// LiveKit's `livekit.RoomService`, the read-only calls.
public final class RoomServiceClient: Sendable {
    let twirp: TwirpClient

    public init(connection: LiveKitConnection, logger: Logger? = nil) {
        twirp = TwirpClient(connection: connection, logger: logger)
    }

    /// Calls through `urlSession` whatever the scheme (bench/LiveKitClientBench compares the two transports).
    public init(connection: LiveKitConnection, urlSession: URLSession, logger: Logger? = nil) {
        twirp = TwirpClient(connection: connection, session: urlSession, logger: logger)
    }

    /// A session configured as the client configures its own.
    public static func makeURLSession(_ connection: LiveKitConnection) -> URLSession {
        TwirpClient.makeSession(connection)
    }

    init(twirp: TwirpClient) {
        self.twirp = twirp
    }

    /// Active rooms; with `names`, only those (LiveKit skips names it does not know).
    public func listRooms(names: [String]? = nil) async throws(LiveKitError) -> [Room] {
        let response: ListRoomsResponse = try await twirp.call(
            service: "RoomService", method: "ListRooms", body: ListRoomsRequest(names: names ?? []), grant: .listRooms)
        return response.rooms
    }

    /// Needs `roomAdmin` on that very room.
    public func listParticipants(room: String) async throws(LiveKitError) -> [ParticipantInfo] {
        let response: ListParticipantsResponse = try await twirp.call(
            service: "RoomService", method: "ListParticipants", body: ListParticipantsRequest(room: room), grant: .administer(room: room))
        return response.participants
    }
}
