import Foundation
import LiveKit
import RecordingModels
import RecordingService
import S3

/// Connects the recording domain's ports to LiveKit's server API, translating
/// LiveKit's types into the domain's (and leaving EgressInfo's echo of the S3
/// secret behind), and counting every call for `/metrics`.
struct LiveKitAdapter: LiveKitEgress, LiveKitRooms {
    let egressClient: EgressClient
    let roomClient: RoomServiceClient
    /// Where Egress uploads: the service's own bucket settings go into every start request
    /// (LIVEKIT.md: MinIO needs `force_path_style`, an explicit endpoint and a region).
    let upload: S3Configuration
    let metrics: ServiceMetrics

    func startRoomComposite(_ request: RoomCompositeRecordingRequest) async throws(LiveKitFailure) -> EgressSnapshot {
        let s3 = S3Upload(
            accessKey: upload.accessKey, secret: upload.secretKey, region: upload.region, endpoint: upload.endpoint.absoluteString,
            bucket: upload.bucket, forcePathStyle: upload.forcePathStyle, metadata: request.metadata)
        let output = EncodedFileOutput(fileType: .mp4, filepath: request.fileKey, s3: s3)
        let encoding = request.preset.flatMap(EncodingOptionsPreset.init(rawValue:)).map(RoomCompositeEgressRequest.Encoding.preset)
        let livekitRequest = RoomCompositeEgressRequest(
            roomName: request.roomName, layout: request.layout.rawValue, audioOnly: request.audioOnly, encoding: encoding, fileOutputs: [output])
        let info = try await call("StartRoomCompositeEgress") { () async throws(LiveKitError) in
            try await egressClient.startRoomCompositeEgress(livekitRequest)
        }
        return EgressSnapshot(info)
    }

    func stopEgress(egressId: String) async throws(LiveKitFailure) -> EgressSnapshot {
        EgressSnapshot(try await call("StopEgress") { () async throws(LiveKitError) in try await egressClient.stopEgress(egressId: egressId) })
    }

    func listEgress(roomName: String?, egressId: String?, activeOnly: Bool) async throws(LiveKitFailure) -> [EgressSnapshot] {
        let infos = try await call("ListEgress") { () async throws(LiveKitError) in
            try await egressClient.listEgress(roomName: roomName, egressId: egressId, active: activeOnly)
        }
        return infos.map(EgressSnapshot.init)
    }

    func updateLayout(egressId: String, layout: RecordingLayout) async throws(LiveKitFailure) -> EgressSnapshot {
        EgressSnapshot(try await call("UpdateLayout") { () async throws(LiveKitError) in
            try await egressClient.updateLayout(egressId: egressId, layout: layout.rawValue)
        })
    }

    func listRooms(names: [String]?) async throws(LiveKitFailure) -> [RoomSnapshot] {
        let rooms = try await call("ListRooms") { () async throws(LiveKitError) in try await roomClient.listRooms(names: names) }
        return rooms.map {
            RoomSnapshot(
                name: $0.name, sid: $0.sid.isEmpty ? nil : $0.sid, numParticipants: $0.numParticipants,
                createdAt: $0.createdAt,
                activeRecording: $0.activeRecording)
        }
    }

    func listParticipants(roomName: String) async throws(LiveKitFailure) -> [ParticipantSnapshot] {
        let participants = try await call("ListParticipants") { () async throws(LiveKitError) in
            try await roomClient.listParticipants(room: roomName)
        }
        // The recorder of a running egress is listed too (hidden, kind EGRESS): not someone in the call.
        return participants.filter { $0.kind != .egress }.map { ParticipantSnapshot(identity: $0.identity, name: $0.name.isEmpty ? nil : $0.name) }
    }

    /// Runs one LiveKit call, times it, and maps LiveKit's error onto the domain's.
    private func call<T>(_ method: String, _ body: () async throws(LiveKitError) -> T) async throws(LiveKitFailure) -> T {
        let started = ContinuousClock.now
        do {
            let result = try await body()
            metrics.liveKitCall(method: method, outcome: "ok", seconds: Self.seconds(since: started))
            return result
        } catch {
            let failure = LiveKitFailure(error)
            metrics.liveKitCall(method: method, outcome: failure.metricOutcome, seconds: Self.seconds(since: started))
            throw failure
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

extension LiveKitFailure {
    /// LIVEKIT.md's error classes, as the domain treats them.
    init(_ error: LiveKitError) {
        switch error {
        case .twirp(let twirp) where twirp.code == "not_found":
            self = .notFound(twirp.message)
        case .twirp(let twirp) where twirp.code == "failed_precondition":
            self = .failedPrecondition(twirp.message)
        case .twirp(let twirp) where ["unauthenticated", "permission_denied"].contains(twirp.code):
            self = .unauthenticated(twirp.message)
        case .unauthenticated(let message):
            self = .unauthenticated(message)
        case .invalidURL(let reason):
            self = .unauthenticated("LIVEKIT_URL is not usable: \(reason)")
        case .twirp(let twirp) where !error.isTransient:
            self = .rejected(code: twirp.code, message: twirp.message)
        case .invalidResponse(let detail):
            self = .rejected(code: "invalid_response", message: detail)
        default:
            self = .unavailable(error.description)
        }
    }

    var metricOutcome: String {
        switch self {
        case .unavailable: "unavailable"
        case .notFound: "not_found"
        case .failedPrecondition: "failed_precondition"
        case .unauthenticated: "unauthenticated"
        case .rejected: "rejected"
        }
    }
}

extension EgressSnapshot {
    /// The domain's view of LiveKit's EgressInfo: nanoseconds become dates, `0` nil.
    init(_ info: EgressInfo) {
        let status: RecordingStatus = switch info.status {
        case .starting: .starting
        case .active: .active
        case .ending: .ending
        case .complete: .complete
        case .failed: .failed
        case .aborted: .aborted
        case .limitReached: .limitReached
        }
        self.init(
            egressId: info.egressId, roomName: info.roomName, roomId: info.roomId.isEmpty ? nil : info.roomId, status: status,
            startedAt: info.startedAt, endedAt: info.endedAt, updatedAtNanos: info.updatedAtNanos,
            error: info.error.isEmpty ? nil : info.error, errorCode: info.errorCode == 0 ? nil : Int(info.errorCode),
            files: info.fileResults.map {
                EgressFileResult(
                    filename: $0.filename, location: $0.location.isEmpty ? nil : $0.location, size: $0.size > 0 ? $0.size : nil,
                    durationMs: $0.durationNanos > 0 ? $0.durationNanos / 1_000_000 : nil)
            })
    }
}

/// LiveKit's verifier behind the authenticator's protocol.
struct LiveKitParticipantTokens: ParticipantTokenVerifying {
    let verifier: TokenVerifier

    func verify(_ token: String) throws(ParticipantTokenRejection) -> ParticipantClaims {
        let claims: Claims
        do {
            claims = try verifier.verify(token)
        } catch .expired {
            throw .expired
        } catch {
            throw .invalid
        }
        let grant = claims.video
        return ParticipantClaims(
            identity: claims.identity, room: grant?.room, roomJoin: grant?.roomJoin ?? false,
            roomAdmin: grant?.roomAdmin ?? false, roomRecord: grant?.roomRecord ?? false)
    }
}
