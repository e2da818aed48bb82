import Foundation
import RecordingModels
import RecordingStore

/// What one reconcile round did, for logs and metrics.
public struct ReconcileSummary: Sendable, Equatable {
    /// False when another replica holds the lease or LiveKit could not be reached.
    public var ran: Bool = true
    /// Why it did not run (or stopped early).
    public var skippedReason: String?
    public var examined = 0
    /// Recordings whose state LiveKit had moved on (missed webhooks).
    public var updated = 0
    /// Running here, unknown to LiveKit: marked failed.
    public var markedGone = 0
    /// Still STARTING after the timeout: stopped and marked failed.
    public var stuckStartsFailed = 0
    /// Reservations left by a start that crashed after LiveKit answered: adopted its egress.
    public var reservationsAdopted = 0
    /// Reservations left by a start that crashed before LiveKit started anything: removed.
    public var reservationsRemoved = 0
    /// Recordings stopped because they ran past their `maxDurationSeconds`.
    public var stoppedForMaxDuration = 0

    public var corrections: Int {
        updated + markedGone + stuckStartsFailed + reservationsAdopted + reservationsRemoved + stoppedForMaxDuration
    }
}

extension RecordingService {
    static let reconcileLease = "reconcile"
    static let system = Caller.system("reconcile")

    /// Runs `reconcileOnce` every `reconcileIntervalSeconds` until the task is cancelled,
    /// telling `onRound` how each round went (the server counts them for /metrics).
    public func runReconcileLoop(onRound: @Sendable (Result<ReconcileSummary, RecordingServiceError>) -> Void = { _ in }) async {
        while !Task.isCancelled {
            do {
                let summary = try await reconcileOnce()
                if summary.corrections > 0 { logger.notice("Reconcile made \(summary.corrections) correction(s)", summary.logMetadata) }
                onRound(.success(summary))
            } catch {
                logger.warning("Reconcile failed: \(error)")
                onRound(.failure(error))
            }
            do { try await clock.sleep(seconds: configuration.reconcileIntervalSeconds) } catch { return }
        }
    }

    /// Compares every running recording with LiveKit and corrects what drifted: missed
    /// webhooks, egresses LiveKit forgot, starts stuck in STARTING, half-done starts,
    /// recordings past their maximum duration. Only the replica holding the `reconcile`
    /// lease acts. LiveKit unavailable: nothing is changed this round.
    public func reconcileOnce() async throws(RecordingServiceError) -> ReconcileSummary {
        try await boundary("reconcile with LiveKit") {
            let leaseSeconds = max(1, Int(configuration.reconcileIntervalSeconds * 2))
            guard try await store.acquireLease(name: Self.reconcileLease, holder: instanceId, seconds: leaseSeconds, now: now) else {
                return ReconcileSummary(ran: false, skippedReason: "another replica holds the reconcile lease")
            }
            var summary = ReconcileSummary()
            for recording in try await store.activeRecordings() {
                summary.examined += 1
                do {
                    try await reconcile(recording, into: &summary)
                } catch let failure as LiveKitFailure {
                    if case .unavailable = failure {
                        summary.ran = false
                        summary.skippedReason = "LiveKit unavailable"
                        logger.warning("Reconcile skipped the rest of this round: LiveKit is unavailable")
                        break
                    }
                    logger(for: recording).warning("Reconcile could not check the recording: \(failure)")
                }
            }
            return summary
        }
    }

    func reconcile(_ recording: StoredRecording, into summary: inout ReconcileSummary) async throws {
        guard let egressId = recording.egressId else {
            return try await reconcileReservation(recording, into: &summary)
        }
        guard let snapshot = try await liveKitSnapshot(egressId) else {
            if try await markGone(recording, reason: Self.goneReason)?.status.isTerminal == true { summary.markedGone += 1 }
            return
        }
        var current = recording
        if let written = try await applySnapshot(snapshot, from: .reconcile), written != recording {
            summary.updated += 1
            current = written
        }
        let age = Double(now.value - current.createdAt.value) / 1000
        if current.status == .starting, age > configuration.startingTimeoutSeconds {
            try await failStuckStart(current, egressId: egressId)
            summary.stuckStartsFailed += 1
        } else if current.status == .active, let max = current.maxDurationSeconds,
            Double(now.value - current.startedAt.value) / 1000 >= Double(max)
        {
            try await stopForMaxDuration(current, egressId: egressId)
            summary.stoppedForMaxDuration += 1
        }
    }

    func failStuckStart(_ recording: StoredRecording, egressId: String) async throws {
        let seconds = Int(configuration.startingTimeoutSeconds)
        logger(for: recording).warning("Egress still STARTING after \(seconds) s; stopping it")
        do { _ = try await egress.stopEgress(egressId: egressId) } catch .unavailable(let reason) {
            throw LiveKitFailure.unavailable(reason)
        } catch {
            // failedPrecondition / notFound: it is not running anyway.
        }
        let written = try await mutate(id: recording.id) { row in
            guard !row.status.isTerminal else { return }
            row.status = .failed
            row.endedAt = now
            row.error = "The recording did not become active within \(seconds) seconds (no Egress worker took it, or nobody published); it was stopped."
            row.stoppedBy = row.stoppedBy ?? Self.system.name
        }
        if let written, written.status != recording.status { logTransition(from: recording, to: written, source: .reconcile) }
        await audit("stop", by: Self.system, egressId: egressId, roomName: recording.roomName, outcome: "ok")
    }

    func stopForMaxDuration(_ recording: StoredRecording, egressId: String) async throws {
        logger(for: recording).notice("Recording reached its maximum duration of \(recording.maxDurationSeconds ?? 0) s; stopping it")
        let snapshot: EgressSnapshot
        do { snapshot = try await egress.stopEgress(egressId: egressId) } catch .unavailable(let reason) {
            throw LiveKitFailure.unavailable(reason)
        } catch {
            // Ended meanwhile: the next round (or a webhook) brings its final state.
            return
        }
        try await applySnapshot(snapshot, from: .reconcile) { row in
            if row.stoppedBy == nil { row.stoppedBy = "max-duration" }
        }
        await audit("stop", by: .system("max-duration"), egressId: egressId, roomName: recording.roomName, outcome: "ok")
    }

    /// A start crashed between reserving the room and attaching LiveKit's egress id.
    func reconcileReservation(_ reservation: StoredRecording, into summary: inout ReconcileSummary) async throws {
        guard Double(now.value - reservation.createdAt.value) / 1000 > configuration.reservationTimeoutSeconds else { return }
        let running = try await egress.listEgress(roomName: reservation.roomName, egressId: nil, activeOnly: true)
        for snapshot in running where snapshot.roomName == reservation.roomName && !snapshot.status.isTerminal {
            guard try await store.recording(egressId: snapshot.egressId) == nil else { continue }
            _ = try await attach(snapshot, to: reservation, carrying: nil)
            logger(for: reservation).notice("Adopted egress \(snapshot.egressId) left by an interrupted start")
            summary.reservationsAdopted += 1
            return
        }
        try await release(reservation)
        logger(for: reservation).notice("Removed a reservation left by an interrupted start")
        summary.reservationsRemoved += 1
    }
}

extension ReconcileSummary {
    var logMetadata: [String: String] {
        [
            "reconcile.examined": String(examined), "reconcile.updated": String(updated), "reconcile.gone": String(markedGone),
            "reconcile.stuck": String(stuckStartsFailed), "reconcile.adopted": String(reservationsAdopted),
            "reconcile.removed": String(reservationsRemoved), "reconcile.max_duration": String(stoppedForMaxDuration),
        ]
    }
}
