import Foundation

/// A webhook delivery (`livekit.WebhookEvent`). Egress events are `egress_started`,
/// `egress_updated`, `egress_ended`; order is not guaranteed and deliveries repeat.
public struct WebhookEvent: Sendable, Equatable, Decodable {
    public var event: String
    public var room: Room?
    public var participant: ParticipantInfo?
    public var egressInfo: EgressInfo?
    /// Identifies a delivery: the same id means the same event sent again.
    public var id: String
    /// `created_at`: SECONDS since the epoch (not nanoseconds).
    public var createdAtSeconds: Int64

    public var createdAt: Date? { ProtoTime.date(seconds: createdAtSeconds) }

    public init(event: String, room: Room? = nil, participant: ParticipantInfo? = nil, egressInfo: EgressInfo? = nil, id: String = "", createdAtSeconds: Int64 = 0) {
        self.event = event
        self.room = room
        self.participant = participant
        self.egressInfo = egressInfo
        self.id = id
        self.createdAtSeconds = createdAtSeconds
    }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.protoContainer
        event = try fields.protoString("event")
        room = try fields.protoMessage("room")
        participant = try fields.protoMessage("participant")
        egressInfo = try fields.protoMessage("egress_info")
        id = try fields.protoString("id")
        createdAtSeconds = try fields.protoInteger("created_at")
    }
}
