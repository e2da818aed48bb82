import Foundation
import Logging
import RecordingModels
import RecordingStore

/// The recording domain: start, stop, status, list, layout, delete, download links,
/// egress updates from any source, reconcile and retention. No HTTP, no sockets:
/// LiveKit, S3 and the database come in through protocols, so tests run it with
/// in-memory fakes and the server wires the real clients.
///
/// Every public call throws only `RecordingServiceError`; mutating calls append an
/// audit record whatever their outcome.
public struct RecordingService: Sendable {
    let store: any RecordingStore
    let egress: any LiveKitEgress
    let rooms: any LiveKitRooms
    let storage: any ObjectStorage
    let configuration: RecordingServiceConfiguration
    let slug: RoomNameSlug
    let clock: any WallClock
    let logger: Logger
    /// Who holds the reconcile lease when this replica does.
    let instanceId: String
    /// Told of every status change this replica writes (metrics); nil: nobody listens.
    let statusObserver: StatusObserver?

    /// `(recording as written, its previous status)`.
    public typealias StatusObserver = @Sendable (_ recording: StoredRecording, _ previous: RecordingStatus) -> Void

    /// - Parameter roomNameDigest: hex digest of a room name for file keys (SHA-256 in production).
    public init(
        store: any RecordingStore, egress: any LiveKitEgress, rooms: any LiveKitRooms, storage: any ObjectStorage,
        configuration: RecordingServiceConfiguration = RecordingServiceConfiguration(),
        roomNameDigest: @escaping RoomNameSlug.Digest, clock: any WallClock = SystemWallClock(),
        logger: Logger, instanceId: String = UUID().uuidString, statusObserver: StatusObserver? = nil
    ) {
        self.store = store
        self.egress = egress
        self.rooms = rooms
        self.storage = storage
        self.configuration = configuration
        self.slug = RoomNameSlug(digest: roomNameDigest)
        self.clock = clock
        self.logger = logger.labelled("recording")
        self.instanceId = instanceId
        self.statusObserver = statusObserver
    }

    var now: EpochMilliseconds { EpochMilliseconds(clock.now) }

    func logger(for recording: StoredRecording) -> Logger {
        var metadata = ["room": recording.roomName]
        if let egressId = recording.egressId { metadata["egress.id"] = egressId }
        return logger.with(metadata)
    }
}

// MARK: - The public boundary: one error type, an audit line per mutation

extension RecordingService {
    /// Runs `body`, turning any error into a `RecordingServiceError` (store errors become
    /// `database_unavailable`, anything unexpected `internal_error`, logged with its cause).
    func boundary<Result>(_ action: String, _ body: () async throws -> Result) async throws(RecordingServiceError) -> Result {
        do {
            return try await body()
        } catch let error as RecordingServiceError {
            throw error
        } catch let error as RecordingStoreError {
            logger.error("Database failed during \(action): \(error)")
            throw .database(error)
        } catch {
            logger.error("Unexpected failure during \(action): \(error)")
            throw .internal("Something went wrong while trying to \(action); the server log has the details.")
        }
    }

    /// `boundary` plus one audit record, success or failure. `subject` names the recording
    /// once the result is known (a start learns its egress id only at the end); `roomName`
    /// is read when the record is written, so a body that looked the recording up can name its room.
    func audited<Result>(
        _ action: String, by caller: Caller, egressId: String?, roomName: @autoclosure () -> String?,
        subject: (Result) -> (egressId: String?, roomName: String?) = { _ in (nil, nil) },
        _ body: () async throws -> Result
    ) async throws(RecordingServiceError) -> Result {
        try await audited(action, by: caller, egressId: egressId, roomName: roomName(), subject: subject) { _ in try await body() }
    }

    /// `audited` for a body whose last write can carry the success record (`SuccessAudit`):
    /// then it is not written again here.
    func audited<Result>(
        _ action: String, by caller: Caller, egressId: String?, roomName: @autoclosure () -> String?,
        subject: (Result) -> (egressId: String?, roomName: String?) = { _ in (nil, nil) },
        _ body: (SuccessAudit) async throws -> Result
    ) async throws(RecordingServiceError) -> Result {
        let success = SuccessAudit(action: action, caller: caller, egressId: egressId)
        do {
            let result = try await boundary(action) { try await body(success) }
            if !success.isWritten {
                let named = subject(result)
                await audit(action, by: caller, egressId: named.egressId ?? egressId, roomName: named.roomName ?? roomName(), outcome: "ok")
            }
            return result
        } catch {
            if success.isWritten {
                // A body must carry the success record only on a write nothing fallible follows.
                logger.error("\(action) failed after its success was audited; auditing the failure too")
            }
            await audit(action, by: caller, egressId: error.egressId ?? egressId, roomName: roomName(), outcome: error.code)
            throw error
        }
    }

    /// An audit trail that cannot be written must not turn a done change into a failure: log it.
    func audit(_ action: String, by caller: Caller, egressId: String?, roomName: String?, outcome: String) async {
        do {
            try await store.appendAudit(auditRecord(action, by: caller, egressId: egressId, roomName: roomName, outcome: outcome))
        } catch {
            logger.error("Could not write the audit record for \(action) by \(caller.name): \(error)")
        }
    }

    func auditRecord(_ action: String, by caller: Caller, egressId: String?, roomName: String?, outcome: String) -> AuditRecord {
        AuditRecord(
            id: UUID().uuidString.lowercased(), at: now, actor: caller.name, actorKind: caller.kind.rawValue, action: action,
            egressId: egressId, roomName: roomName, remoteAddress: caller.remoteAddress, outcome: outcome)
    }

    /// Writes `recording` (a versioned `update`); with `success`, the call's success record goes
    /// in the same transaction: one trip to the store's writer instead of two, and the record
    /// exists exactly when the change does. Throws as `update` does, and then `audited` records the
    /// failure. In the SQL stores a record the database refuses takes the change with it (one
    /// transaction), so no change that was done is answered as a failure (`audit`'s rule).
    func update(_ recording: StoredRecording, carrying success: SuccessAudit?) async throws -> StoredRecording {
        guard let success else { return try await store.update(recording) }
        let record = auditRecord(
            success.action, by: success.caller, egressId: recording.egressId ?? success.egressId, roomName: recording.roomName,
            outcome: "ok")
        let written = try await store.update(recording, appendingAudit: record)
        success.markWritten()
        return written
    }
}

// MARK: - Reading and writing rows

extension RecordingService {
    func recording(egressId: String) async throws -> StoredRecording {
        guard let stored = try await store.recording(egressId: egressId) else { throw RecordingServiceError.recordingNotFound(egressId) }
        return stored
    }

    /// Reads the row, lets `change` edit it, and writes it if it changed; on a version
    /// conflict (a webhook or another replica wrote first) reads again and retries.
    /// Returns the row as it is now, nil when it is gone.
    @discardableResult
    func mutate(id: String, _ change: (inout StoredRecording) async -> Void) async throws -> StoredRecording? {
        for _ in 0..<8 {
            guard let stored = try await store.recording(id: id) else { return nil }
            var next = stored
            await change(&next)
            if next == stored { return stored }
            next.updatedAt = now
            do {
                return try await store.update(next)
            } catch RecordingStoreError.conflict {
                continue
            } catch RecordingStoreError.notFound {
                return nil
            }
        }
        throw RecordingServiceError.internal("The recording kept changing while it was being updated; try again.")
    }
}
