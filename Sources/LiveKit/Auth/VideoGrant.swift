/// The `video` grant of a LiveKit access token: what the holder may do.
///
/// Keys are LiveKit's lowerCamelCase JSON names (livekit/protocol `auth/grants.go`,
/// livekit-api `VideoGrants`). A nil field is left out of the token, which LiveKit
/// reads as its default (`canPublish`/`canSubscribe`/`canPublishData` default to true there).
public struct VideoGrant: Sendable, Equatable, Codable {
    public var roomCreate: Bool?
    public var roomList: Bool?
    public var roomRecord: Bool?
    public var roomAdmin: Bool?
    public var roomJoin: Bool?
    /// The room the room-scoped permissions (`roomAdmin`, `roomJoin`) apply to.
    public var room: String?
    public var canPublish: Bool?
    public var canSubscribe: Bool?
    public var canPublishData: Bool?
    public var hidden: Bool?
    public var recorder: Bool?

    public init(
        roomCreate: Bool? = nil, roomList: Bool? = nil, roomRecord: Bool? = nil,
        roomAdmin: Bool? = nil, roomJoin: Bool? = nil, room: String? = nil,
        canPublish: Bool? = nil, canSubscribe: Bool? = nil, canPublishData: Bool? = nil,
        hidden: Bool? = nil, recorder: Bool? = nil
    ) {
        self.roomCreate = roomCreate
        self.roomList = roomList
        self.roomRecord = roomRecord
        self.roomAdmin = roomAdmin
        self.roomJoin = roomJoin
        self.room = room
        self.canPublish = canPublish
        self.canSubscribe = canSubscribe
        self.canPublishData = canPublishData
        self.hidden = hidden
        self.recorder = recorder
    }

    /// Every Egress call (LIVEKIT.md: `roomRecord: true` for every Egress call).
    public static let egress = VideoGrant(roomRecord: true)
    /// `RoomService.ListRooms`.
    public static let listRooms = VideoGrant(roomList: true)
    /// Room-scoped admin calls such as `RoomService.ListParticipants`.
    public static func administer(room: String) -> VideoGrant { VideoGrant(roomAdmin: true, room: room) }

    /// The grant as ordered JSON members, in livekit-api's `VideoGrants` field order so
    /// that a token we mint is byte-for-byte the one the Python SDK mints for the same claims.
    /// An empty `room` is left out, as the Python SDK leaves out empty strings.
    var jsonMembers: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        func add(_ key: String, _ value: Bool?) { if let value { members.append((key, .bool(value))) } }
        add("roomCreate", roomCreate)
        add("roomList", roomList)
        add("roomRecord", roomRecord)
        add("roomAdmin", roomAdmin)
        add("roomJoin", roomJoin)
        if let room, !room.isEmpty { members.append(("room", .string(room))) }
        add("canPublish", canPublish)
        add("canSubscribe", canSubscribe)
        add("canPublishData", canPublishData)
        add("hidden", hidden)
        add("recorder", recorder)
        return members
    }
}
