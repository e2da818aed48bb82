import RecordingModels
import RecordingStore

extension RecordingService {
    /// The audit trail, newest first (for `GET /api/audit`); `limit` as in `list`.
    public func auditTrail(
        roomName: String? = nil, egressId: String? = nil, limit: Int? = nil, cursor: String? = nil
    ) async throws(RecordingServiceError) -> AuditResponse {
        let limit = limit ?? Self.defaultListLimit
        guard limit >= 1 else {
            throw .invalidField("limit", "Field 'limit' must be between 1 and \(Self.maximumListLimit); got \(limit).")
        }
        return try await boundary("read the audit trail") {
            let page: AuditPage
            do {
                page = try await store.audit(
                    AuditQuery(roomName: roomName, egressId: egressId, limit: min(limit, Self.maximumListLimit), cursor: cursor))
            } catch RecordingStoreError.invalidCursor {
                throw RecordingServiceError.invalidField("cursor", "Field 'cursor' is not one this server handed out; start again without it.")
            }
            let entries = page.records.map {
                AuditEntryInfo(
                    id: $0.id, at: $0.at, actor: $0.actor, actorKind: $0.actorKind, action: $0.action, egressId: $0.egressId,
                    roomName: $0.roomName, remoteAddress: $0.remoteAddress, outcome: $0.outcome)
            }
            return AuditResponse(entries: entries, nextCursor: page.nextCursor)
        }
    }
}

/// The success record of one `audited` call, handed to its body so that the body's last write
/// can carry it (`update(_:carrying:)`). Only a write that nothing fallible follows may carry
/// it: a later failure would be audited as well, two records for one call. One call, one task:
/// not shared.
final class SuccessAudit {
    let action: String
    let caller: Caller
    /// The egress the call names before it has a recording (a stop's argument).
    let egressId: String?
    private(set) var isWritten = false

    init(action: String, caller: Caller, egressId: String?) {
        self.action = action
        self.caller = caller
        self.egressId = egressId
    }

    func markWritten() { isWritten = true }
}
