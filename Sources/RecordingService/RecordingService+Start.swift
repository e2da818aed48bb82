import Foundation
import RecordingModels
import RecordingStore

extension RecordingService {
    public static let maximumRoomNameBytes = 256

    /// Starts recording `roomName`. At most one recording per room: the room is reserved
    /// in the database before LiveKit is asked (LiveKit itself would happily run two).
    /// `layout` and `preset` are strings so a wrong value is answered with the allowed ones.
    public func start(
        roomName: String, layout: String? = nil, audioOnly: Bool? = nil, preset: String? = nil,
        maxDurationSeconds: Int? = nil, by caller: Caller
    ) async throws(RecordingServiceError) -> RecordingInfo {
        try await audited("start", by: caller, egressId: nil, roomName: roomName, subject: { ($0.egressId, $0.roomName) }) { success in
            let plan = try validatedPlan(
                roomName: roomName, layout: layout, audioOnly: audioOnly, preset: preset, maxDurationSeconds: maxDurationSeconds)
            return RecordingInfo(stored: try await start(plan, by: caller, success: success))
        }
    }

    public func start(_ request: StartRecordingRequest, by caller: Caller) async throws(RecordingServiceError) -> RecordingInfo {
        try await start(
            roomName: request.roomName, layout: request.layout?.rawValue, audioOnly: request.audioOnly, preset: request.preset,
            maxDurationSeconds: request.maxDurationSeconds, by: caller)
    }

    struct StartPlan {
        var roomName: String
        var layout: RecordingLayout
        var audioOnly: Bool
        var preset: String?
        var maxDurationSeconds: Int?
    }

    func validatedPlan(
        roomName: String, layout: String?, audioOnly: Bool?, preset: String?, maxDurationSeconds: Int?
    ) throws(RecordingServiceError) -> StartPlan {
        try Self.validateRoomName(roomName)
        var chosenLayout = configuration.defaultLayout
        if let layout {
            guard let parsed = RecordingLayout(rawValue: layout) else { throw .invalidLayout(layout) }
            chosenLayout = parsed
        }
        if let preset, !EncodingPreset.isValid(preset) { throw .invalidPreset(preset) }
        if let maxDurationSeconds, maxDurationSeconds <= 0 {
            throw .invalidField("maxDurationSeconds", "Field 'maxDurationSeconds' must be a positive number of seconds; got \(maxDurationSeconds).")
        }
        return StartPlan(
            roomName: roomName, layout: chosenLayout, audioOnly: audioOnly ?? false, preset: preset,
            maxDurationSeconds: cappedMaxDuration(maxDurationSeconds))
    }

    /// The configured cap is both the default and the ceiling.
    func cappedMaxDuration(_ requested: Int?) -> Int? {
        guard let cap = configuration.maxDurationCapSeconds else { return requested }
        return min(requested ?? cap, cap)
    }

    static func validateRoomName(_ roomName: String) throws(RecordingServiceError) {
        guard !roomName.isEmpty else {
            throw .invalidRoomName("Field 'roomName' must not be empty: give the LiveKit room to record.")
        }
        let bytes = roomName.utf8.count
        guard bytes <= maximumRoomNameBytes else {
            throw .invalidRoomName("Field 'roomName' may be at most \(maximumRoomNameBytes) bytes of UTF-8 (LiveKit's limit); got \(bytes).")
        }
        guard !roomName.unicodeScalars.contains("\0") else {
            throw .invalidRoomName("Field 'roomName' must not contain a NUL character.")
        }
    }

    /// `success`: carried by the write that attaches the egress, the start's last step.
    func start(_ plan: StartPlan, by caller: Caller, success: SuccessAudit?) async throws -> StoredRecording {
        let reservation = try await reserveIfRoomExists(plan, by: caller)
        let log = logger(for: reservation)
        log.info("Recording requested by \(caller.kind.rawValue) \(caller.name)", ["layout": plan.layout.rawValue, "file.key": reservation.fileKey ?? ""])
        let snapshot: EgressSnapshot
        do {
            snapshot = try await egress.startRoomComposite(startRequest(plan, key: reservation.fileKey ?? ""))
        } catch {
            try await release(reservation)
            log.warning("LiveKit refused to start the recording: \(error)")
            if case .notFound = error { throw RecordingServiceError.roomNotFound(plan.roomName) }
            throw RecordingServiceError.liveKit(error, action: "start the recording")
        }
        return try await attach(snapshot, to: reservation, carrying: success)
    }

    /// Asks LiveKit whether the room exists while the reservation is written: neither needs
    /// the other, and a start waits for one round trip instead of two. The room check decides
    /// first (a missing room or an unreachable LiveKit is the answer, and the reservation just
    /// written is released), then the reservation (a busy room); so the answers are those of
    /// checking before reserving. One active recording per room stays the database's rule; a
    /// reservation left by a crash before its release is removed by reconcile, as any other.
    ///
    /// The room check runs in this task and the reservation in the child: a child starts only
    /// once this task suspends (both share the event loop's thread), so the longer call,
    /// LiveKit's, is on the wire before the reservation is built (~0.15 ms sooner).
    func reserveIfRoomExists(_ plan: StartPlan, by caller: Caller) async throws -> StoredRecording {
        async let reserved = reserve(plan, by: caller)
        do {
            try await requireRoom(plan.roomName)
        } catch {
            if let reservation = try? await reserved { await releaseQuietly(reservation) }
            throw error
        }
        return try await reserved
    }

    /// The room check's answer matters more than a failed clean-up, which reconcile finishes.
    private func releaseQuietly(_ reservation: StoredRecording) async {
        do {
            try await release(reservation)
        } catch {
            logger(for: reservation).warning("Could not release the reservation of a start refused by the room check (reconcile will): \(error)")
        }
    }

    func requireRoom(_ roomName: String) async throws {
        do {
            let found = try await rooms.listRooms(names: [roomName])
            guard found.contains(where: { $0.name == roomName }) else { throw RecordingServiceError.roomNotFound(roomName) }
        } catch let failure as LiveKitFailure {
            logger.warning("Could not look up room: \(failure)", ["room": roomName])
            throw RecordingServiceError.liveKit(failure, action: "look up the room")
        }
    }

    func startRequest(_ plan: StartPlan, key: String) -> RoomCompositeRecordingRequest {
        // The original name travels with the file: the key only has a slug of it.
        RoomCompositeRecordingRequest(
            roomName: plan.roomName, layout: plan.layout, audioOnly: plan.audioOnly, preset: plan.preset, fileKey: key,
            metadata: ["room-name": plan.roomName])
    }

    /// Inserts the reservation row; the database refuses a second active row per room.
    func reserve(_ plan: StartPlan, by caller: Caller) async throws -> StoredRecording {
        let at = now
        let reservation = StoredRecording(
            id: UUID().uuidString.lowercased(), egressId: nil, roomName: plan.roomName, layout: plan.layout,
            audioOnly: plan.audioOnly, preset: plan.preset, status: .starting, startedAt: at,
            fileKey: configuration.fileTemplate.key(roomName: plan.roomName, date: clock.now, slug: slug),
            startedBy: caller.name, maxDurationSeconds: plan.maxDurationSeconds, createdAt: at, updatedAt: at)
        do {
            try await store.insert(reservation)
            return reservation
        } catch RecordingStoreError.roomBusy(let active) {
            let egressId = try await egressIdOfActive(active)
            throw RecordingServiceError.alreadyRecording(roomName: plan.roomName, egressId: egressId)
        }
    }

    /// The other start may still be waiting for LiveKit: give it a moment to attach its
    /// egress id, so the refused client can follow the running recording.
    func egressIdOfActive(_ active: StoredRecording) async throws -> String? {
        if let egressId = active.egressId { return egressId }
        let poll = 0.1
        // Counted polls, not a deadline: concurrent waiters must not shorten each other's wait.
        for _ in 0..<max(1, Int(configuration.reservationWaitSeconds / poll)) {
            do { try await clock.sleep(seconds: poll) } catch { return nil }
            guard let current = try await store.activeRecording(roomName: active.roomName) else { return nil }
            if let egressId = current.egressId { return egressId }
        }
        return nil
    }

    func release(_ reservation: StoredRecording) async throws {
        try await store.delete(id: reservation.id)
    }

    func attach(_ snapshot: EgressSnapshot, to reservation: StoredRecording, carrying success: SuccessAudit?) async throws -> StoredRecording {
        var lifecycle = RecordingLifecycle(reservation)
        _ = lifecycle.apply(snapshot, now: now)
        var attached = lifecycle.recording
        attached.egressId = snapshot.egressId
        attached.updatedAt = now
        do {
            let written = try await update(attached, carrying: success)
            logger(for: written).info("LiveKit started egress \(snapshot.egressId) (\(written.status.rawValue))")
            return written
        } catch {
            // LiveKit records but we could not say so: stop it rather than leave an untracked recording.
            logger(for: attached).error("Could not store egress id \(snapshot.egressId) of a new recording, stopping it: \(error)")
            _ = try? await egress.stopEgress(egressId: snapshot.egressId)
            try? await release(reservation)
            throw error
        }
    }
}
