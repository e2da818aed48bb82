import Foundation
import RecordingModels
import RecordingStore

extension RecordingService {
    /// Stops a recording and waits (up to `stopWaitSeconds`) for it to end, so the answer
    /// usually is COMPLETE with `endedAt` and the file; otherwise the current state
    /// (typically ENDING, `endedAt` null). Stopping an ended recording answers its final state.
    public func stop(egressId: String, by caller: Caller) async throws(RecordingServiceError) -> RecordingInfo {
        var roomName: String?
        return try await audited("stop", by: caller, egressId: egressId, roomName: roomName, subject: { (nil, $0.roomName) }) { success in
            let stored = try await recording(egressId: egressId)
            roomName = stored.roomName
            return RecordingInfo(stored: try await stop(stored, by: caller, success: success))
        }
    }

    /// `success`: carried by the write of LiveKit's answer when no wait follows it (a wait can
    /// still fail, and its failure is the call's outcome).
    func stop(_ stored: StoredRecording, by caller: Caller, success: SuccessAudit?) async throws -> StoredRecording {
        guard !stored.status.isTerminal, let egressId = stored.egressId else { return stored }
        let log = logger(for: stored)
        log.info("Stop requested by \(caller.kind.rawValue) \(caller.name)")
        let stoppedBy = caller.name
        var current = stored
        let answer: Result<EgressSnapshot, LiveKitFailure>
        do { answer = .success(try await egress.stopEgress(egressId: egressId)) } catch { answer = .failure(error) }
        switch answer {
        case .success(let snapshot):
            let carried = waitsForEnd ? nil : success
            current = try await applySnapshot(snapshot, from: .stop, known: stored, carrying: carried) { row in
                if row.stoppedBy == nil { row.stoppedBy = stoppedBy }
            } ?? current
        case .failure(.failedPrecondition(let reason)):
            // Already ending or ended (someone else stopped it, or it failed): answer the truth.
            log.info("LiveKit says the egress cannot be stopped (\(reason)); refreshing its state")
            current = try await refreshForStop(current)
        case .failure(.notFound):
            current = try await markGone(current, reason: Self.goneReason) ?? current
        case .failure(let failure):
            log.warning("LiveKit could not stop the egress: \(failure)")
            throw RecordingServiceError.liveKit(failure, action: "stop the recording")
        }
        return try await waitForEnd(current)
    }

    static let goneReason = "LiveKit no longer knows this egress (it ended while its updates were missed, or LiveKit restarted); the recording was marked failed."

    func refreshForStop(_ current: StoredRecording) async throws -> StoredRecording {
        guard let egressId = current.egressId else { return current }
        let snapshot: EgressSnapshot?
        do { snapshot = try await liveKitSnapshot(egressId) } catch {
            throw RecordingServiceError.liveKit(error, action: "read the recording's state")
        }
        guard let snapshot else { return try await markGone(current, reason: Self.goneReason) ?? current }
        return try await applySnapshot(snapshot, from: .stop) ?? current
    }

    /// False when configured not to wait (`stopWaitSeconds` 0): then a stop ends with its write.
    var waitsForEnd: Bool { configuration.stopWaitSeconds > 0 }

    /// Webhooks update the row while we wait; LiveKit is asked too, in case they are lost.
    func waitForEnd(_ recording: StoredRecording) async throws -> StoredRecording {
        guard waitsForEnd else { return recording }
        var current = recording
        let deadline = clock.now.addingTimeInterval(configuration.stopWaitSeconds)
        var polls = Int((configuration.stopWaitSeconds / configuration.stopPollSeconds).rounded(.up))
        while !current.status.isTerminal, polls > 0, clock.now < deadline {
            polls -= 1
            do { try await clock.sleep(seconds: configuration.stopPollSeconds) } catch { break }
            current = try await store.recording(id: current.id) ?? current
            guard !current.status.isTerminal, let egressId = current.egressId else { break }
            if let snapshot = try? await liveKitSnapshot(egressId) {
                current = try await applySnapshot(snapshot, from: .stop) ?? current
            }
        }
        return current
    }
}
