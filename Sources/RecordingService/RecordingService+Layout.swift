import RecordingModels
import RecordingStore

extension RecordingService {
    /// Changes the layout of a running recording (STARTING or ACTIVE).
    public func updateLayout(egressId: String, layout: String, by caller: Caller) async throws(RecordingServiceError) -> RecordingInfo {
        var roomName: String?
        return try await audited("layout", by: caller, egressId: egressId, roomName: roomName, subject: { (nil, $0.roomName) }) {
            guard let chosen = RecordingLayout(rawValue: layout) else { throw RecordingServiceError.invalidLayout(layout) }
            let stored = try await recording(egressId: egressId)
            roomName = stored.roomName
            return RecordingInfo(stored: try await updateLayout(stored, to: chosen, by: caller))
        }
    }

    func updateLayout(_ stored: StoredRecording, to layout: RecordingLayout, by caller: Caller) async throws -> StoredRecording {
        guard stored.status == .starting || stored.status == .active, let egressId = stored.egressId else {
            throw RecordingServiceError.notActive(stored.egressId ?? "", status: stored.status)
        }
        let answer: Result<EgressSnapshot, LiveKitFailure>
        do { answer = .success(try await egress.updateLayout(egressId: egressId, layout: layout)) } catch { answer = .failure(error) }
        switch answer {
        case .success(let snapshot):
            let written = try await applySnapshot(snapshot, from: .layout) { row in row.layout = layout } ?? stored
            logger(for: written).info("Layout changed to \(layout.rawValue) by \(caller.kind.rawValue) \(caller.name)")
            return written
        case .failure(.failedPrecondition), .failure(.notFound):
            // LiveKit updates the recorder participant, which exists only once ACTIVE
            // (LIVEKIT.md): still STARTING is "not yet", anything else ended meanwhile.
            let current = await refreshed(stored)
            if current.status == .starting { throw RecordingServiceError.notActiveYet(egressId) }
            throw RecordingServiceError.notActive(egressId, status: current.status.isActive ? .ending : current.status)
        case .failure(let failure):
            throw RecordingServiceError.liveKit(failure, action: "change the layout")
        }
    }
}
