import Foundation
import RecordingModels
import RecordingStore

/// A presigned link to a recording's file.
public struct DownloadLink: Sendable, Equatable {
    public var url: URL
    public var expiresAt: EpochMilliseconds
    /// What the browser saves it as: safe room name, start time, `.mp4`.
    public var fileName: String
}

extension RecordingService {
    public static let defaultListLimit = 50
    public static let maximumListLimit = 500

    /// One recording. A running one whose row has not changed for `stalenessSeconds` is
    /// refreshed from LiveKit first (webhooks get lost); if LiveKit is down, the stored state is answered.
    public func status(egressId: String) async throws(RecordingServiceError) -> RecordingInfo {
        try await boundary("read the recording") {
            var stored = try await recording(egressId: egressId)
            if !stored.status.isTerminal, Double(now.value - stored.updatedAt.value) / 1000 > configuration.stalenessSeconds {
                stored = await refreshed(stored)
            }
            return RecordingInfo(stored: stored)
        }
    }

    func refreshed(_ stored: StoredRecording) async -> StoredRecording {
        guard let egressId = stored.egressId else { return stored }
        do {
            guard let snapshot = try await liveKitSnapshot(egressId) else { return stored }
            return try await applySnapshot(snapshot, from: .status) ?? stored
        } catch {
            logger(for: stored).debug("Answering the stored state; LiveKit refresh failed: \(error)")
            return stored
        }
    }

    /// Newest first; `limit` defaults to 50 and is capped at 500.
    public func list(
        roomName: String? = nil, status: RecordingStatus? = nil, activeOnly: Bool = false, limit: Int? = nil, cursor: String? = nil
    ) async throws(RecordingServiceError) -> RecordingListResponse {
        let limit = limit ?? Self.defaultListLimit
        guard limit >= 1 else {
            throw .invalidField("limit", "Field 'limit' must be between 1 and \(Self.maximumListLimit); got \(limit).")
        }
        return try await boundary("list recordings") {
            let query = RecordingQuery(
                roomName: roomName, status: status, activeOnly: activeOnly, limit: min(limit, Self.maximumListLimit), cursor: cursor)
            let page: RecordingInfoPage
            do {
                // Without reservations: a start still in flight is not a recording yet.
                page = try await store.listInfo(query)
            } catch RecordingStoreError.invalidCursor {
                throw RecordingServiceError.invalidField("cursor", "Field 'cursor' is not one this server handed out; start again without it.")
            }
            return RecordingListResponse(recordings: page.recordings, nextCursor: page.nextCursor)
        }
    }

    /// LiveKit's rooms, their participants, and the recording running in each (ours).
    public func rooms() async throws(RecordingServiceError) -> [RoomSummary] {
        try await boundary("list rooms") {
            do {
                let active = try await store.activeRecordings()
                let recordingByRoom = Dictionary(active.map { ($0.roomName, $0) }, uniquingKeysWith: { first, _ in first })
                var summaries: [RoomSummary] = []
                for room in try await rooms.listRooms(names: nil) {
                    let participants = try await rooms.listParticipants(roomName: room.name).map(\.identity)
                    let recording = recordingByRoom[room.name]
                    summaries.append(
                        RoomSummary(
                            name: room.name, numParticipants: room.numParticipants, participants: participants,
                            createdAt: room.createdAt.map(EpochMilliseconds.init), recording: recording != nil,
                            egressId: recording?.egressId))
                }
                return summaries
            } catch let failure as LiveKitFailure {
                throw RecordingServiceError.liveKit(failure, action: "list the rooms")
            }
        }
    }

    /// A time-limited link to a completed recording's file.
    public func downloadLink(egressId: String, ttlSeconds: Double? = nil) async throws(RecordingServiceError) -> DownloadLink {
        try await boundary("create a download link") {
            let stored = try await recording(egressId: egressId)
            guard stored.status == .complete else { throw RecordingServiceError.notReady(egressId, status: stored.status) }
            guard let key = stored.fileKey, !stored.fileMissing else { throw RecordingServiceError.fileMissing(egressId) }
            do {
                guard let object = try await storage.head(key: key), object.size > 0 else {
                    throw RecordingServiceError.fileMissing(egressId)
                }
            } catch let failure as ObjectStorageFailure {
                throw RecordingServiceError.storage(failure, action: "check the recording's file")
            }
            let ttl = ttlSeconds ?? configuration.downloadTTLSeconds
            let at = clock.now
            let fileName = downloadFileName(stored)
            do throws(ObjectStorageFailure) {
                let url = try storage.downloadURL(key: key, fileName: fileName, ttl: ttl, now: at)
                return DownloadLink(url: url, expiresAt: EpochMilliseconds(at.addingTimeInterval(ttl)), fileName: fileName)
            } catch {
                throw RecordingServiceError.storage(error, action: "sign a download link")
            }
        }
    }

    /// `abc123-example.org-1a2b3c4d_20240127T120000Z.mp4`: safe on every OS, sorts by time.
    func downloadFileName(_ stored: StoredRecording) -> String {
        "\(slug.slug(stored.roomName))_\(FileKeyTemplate.timestamp(stored.startedAt.date)).mp4"
    }
}
