import RecordingModels

/// Where recordings and the audit trail live. SQLite (one file, the default) and
/// PostgreSQL (several replicas) implement it and must pass the same test suite.
///
/// Invariants every implementation enforces **in the database**, not in memory:
/// - at most one recording per `roomName` whose status is active (STARTING, ACTIVE,
///   ENDING), reservations included;
/// - `egressId` is unique when set;
/// - `update` applies only if the stored `version` is the one the caller read.
public protocol RecordingStore: Sendable {
    /// Creates or upgrades the schema. Idempotent; called at start-up.
    func migrate() async throws

    /// Inserts a new recording (a reservation when `egressId` is nil, or an egress
    /// first seen through a webhook). Throws `RecordingStoreError.roomBusy` carrying
    /// the active recording when the room already has one, and
    /// `.duplicateEgress` when the egress id is already stored.
    func insert(_ recording: StoredRecording) async throws

    /// Writes `recording` if the stored row still has `recording.version`; returns the
    /// row as written (version bumped, `updatedAt` set by the caller), or throws
    /// `.conflict` when someone else wrote first, `.notFound` when it is gone.
    @discardableResult
    func update(_ recording: StoredRecording) async throws -> StoredRecording

    /// `update` and `appendAudit` in one transaction (one round trip to the database instead
    /// of two): the audit row is written only if the update is, and both or neither survive.
    /// Throws as `update` does.
    @discardableResult
    func update(_ recording: StoredRecording, appendingAudit record: AuditRecord) async throws -> StoredRecording

    func recording(id: String) async throws -> StoredRecording?
    func recording(egressId: String) async throws -> StoredRecording?
    /// The active recording of a room (reservation included), if any.
    func activeRecording(roomName: String) async throws -> StoredRecording?
    /// Every recording not yet terminal, oldest first: what reconcile looks at.
    func activeRecordings() async throws -> [StoredRecording]

    /// Newest first (`createdAt` then `id`, descending), keyset-paginated.
    func list(_ query: RecordingQuery) async throws -> RecordingPage

    /// `list` as the API shows it: the same rows and cursor, reservations (no egress id yet:
    /// a start still in flight) left out. SQL stores read only the columns `RecordingInfo`
    /// needs (16 of 23), the list's main cost (bench/README.md).
    func listInfo(_ query: RecordingQuery) async throws -> RecordingInfoPage

    /// Terminal recordings created before `date`, oldest first, at most `limit`: what retention removes.
    func terminalRecordings(createdBefore date: EpochMilliseconds, limit: Int) async throws -> [StoredRecording]

    /// Removes the row; false when it was not there.
    @discardableResult
    func delete(id: String) async throws -> Bool

    /// `delete` and `appendAudit` in one transaction: the record is written only when the row
    /// was removed, and both or neither survive. The record is what tells a late LiveKit
    /// update for the deleted egress not to store it again, so there is no moment when the
    /// row is gone and the record not yet there.
    @discardableResult
    func delete(id: String, appendingAudit record: AuditRecord) async throws -> Bool

    func appendAudit(_ record: AuditRecord) async throws
    /// Newest first, keyset-paginated.
    func audit(_ query: AuditQuery) async throws -> AuditPage
    /// Whether any audit record of `egressId` has one of `actions` and `outcome`, however
    /// many other records the egress has (a page of the trail can miss it).
    func hasAuditRecord(egressId: String, actions: [String], outcome: String) async throws -> Bool

    /// A named lease for work only one replica should do at a time (reconcile, retention).
    /// True when `holder` holds it until `now + seconds` (taken, or renewed because it already held it).
    func acquireLease(name: String, holder: String, seconds: Int, now: EpochMilliseconds) async throws -> Bool

    /// A cheap round trip, for `/ready`.
    func ping() async throws
}

extension RecordingStore {
    /// From the full rows, for stores where reading them costs nothing (in memory).
    public func listInfo(_ query: RecordingQuery) async throws -> RecordingInfoPage {
        let page = try await list(query)
        let recordings = page.recordings.compactMap { $0.egressId == nil ? nil : RecordingInfo(stored: $0) }
        return RecordingInfoPage(recordings: recordings, nextCursor: page.nextCursor)
    }

    /// Two calls, for stores where a call costs nothing (in memory): not atomic.
    @discardableResult
    public func update(_ recording: StoredRecording, appendingAudit record: AuditRecord) async throws -> StoredRecording {
        let written = try await update(recording)
        try await appendAudit(record)
        return written
    }

    /// Page by page through the egress's trail, for stores where a call costs nothing (in memory).
    public func hasAuditRecord(egressId: String, actions: [String], outcome: String) async throws -> Bool {
        var cursor: String?
        repeat {
            let page = try await audit(AuditQuery(egressId: egressId, limit: 200, cursor: cursor))
            if page.records.contains(where: { actions.contains($0.action) && $0.outcome == outcome }) { return true }
            cursor = page.nextCursor
        } while cursor != nil
        return false
    }

    /// Two calls, for stores where a call costs nothing (in memory): not atomic.
    @discardableResult
    public func delete(id: String, appendingAudit record: AuditRecord) async throws -> Bool {
        guard try await delete(id: id) else { return false }
        try await appendAudit(record)
        return true
    }
}

public struct RecordingQuery: Sendable, Equatable {
    public var roomName: String?
    public var status: RecordingStatus?
    public var activeOnly: Bool
    public var limit: Int
    /// The `nextCursor` of the previous page.
    public var cursor: String?

    public init(roomName: String? = nil, status: RecordingStatus? = nil, activeOnly: Bool = false, limit: Int = 50, cursor: String? = nil) {
        self.roomName = roomName
        self.status = status
        self.activeOnly = activeOnly
        self.limit = limit
        self.cursor = cursor
    }
}

/// One page of a listing, newest first: the stored rows (`list`) or their API form (`listInfo`).
public struct ListPage<Item: Sendable & Equatable>: Sendable, Equatable {
    public var recordings: [Item]
    /// Nil on the last page.
    public var nextCursor: String?

    public init(recordings: [Item], nextCursor: String?) {
        self.recordings = recordings
        self.nextCursor = nextCursor
    }
}

public typealias RecordingPage = ListPage<StoredRecording>
public typealias RecordingInfoPage = ListPage<RecordingInfo>

public struct AuditQuery: Sendable, Equatable {
    public var roomName: String?
    public var egressId: String?
    public var limit: Int
    public var cursor: String?

    public init(roomName: String? = nil, egressId: String? = nil, limit: Int = 50, cursor: String? = nil) {
        self.roomName = roomName
        self.egressId = egressId
        self.limit = limit
        self.cursor = cursor
    }
}

public struct AuditPage: Sendable, Equatable {
    public var records: [AuditRecord]
    public var nextCursor: String?

    public init(records: [AuditRecord], nextCursor: String?) {
        self.records = records
        self.nextCursor = nextCursor
    }
}

/// What a store can refuse. Anything else (I/O, a lost connection) is `.unavailable`.
public enum RecordingStoreError: Error, Sendable, Equatable {
    /// The room already has an active recording (this one).
    case roomBusy(active: StoredRecording)
    case duplicateEgress(egressId: String)
    /// The row changed since it was read; read again and retry.
    case conflict(id: String)
    case notFound(id: String)
    /// A cursor that this store did not hand out.
    case invalidCursor
    /// The database could not be reached or failed; the message is for logs (no secrets: connection strings are redacted).
    case unavailable(String)
}

/// For logs and `/ready` (the enum's default text wraps and escapes the message).
extension RecordingStoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .roomBusy(let active): "room \(active.roomName) already has recording \(active.egressId ?? active.id)"
        case .duplicateEgress(let egressId): "egress \(egressId) is already stored"
        case .conflict(let id): "recording \(id) changed since it was read"
        case .notFound(let id): "no recording \(id)"
        case .invalidCursor: "a cursor this store did not hand out"
        case .unavailable(let message): message
        }
    }
}
