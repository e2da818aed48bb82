import Foundation
import HTTPServer
import Logging
import RecordingModels
import RecordingService
import RecordingStore

/// The one place a request passes before it reaches the domain: credentials,
/// scope, abuse limits and (for participants starting a recording) presence in the
/// room. A refusal of a mutating call is audited like any other outcome.
struct AccessGate: Sendable {
    let authenticator: Authenticator
    let participantLimiter: RateLimiter
    let operatorLimiter: RateLimiter?
    let rooms: any LiveKitRooms
    let audit: AuditTrail
    let requirePresence: Bool

    /// Who is calling; 401 when nobody we know.
    func principal(for request: Request) throws(APIError) -> Principal {
        try authenticator.authenticate(authorization: request.headers["Authorization"])
    }

    /// Throws 403/429/503 when `principal` may not do `action` now; audits refused mutations.
    func admit(_ principal: Principal, _ action: Action, request: Request, egressId: String? = nil) async throws(APIError) {
        do {
            try authenticator.authorize(principal, action)
            try checkRate(principal, action)
            try await checkPresence(principal, action)
        } catch {
            if action.isMutating {
                await audit.record(action, by: principal, request: request, egressId: egressId, outcome: error.code)
            }
            if principal == .anonymous || action.isMutating {
                request.logger.notice("Refused \(action.auditName): \(error.code)", ["actor": principal.auditName])
            }
            throw error
        }
        if principal == .anonymous, action.isMutating {
            // RECORDING_AUTH=disabled is for closed networks; every change says so.
            request.logger.warning("Authentication is disabled: \(action.auditName) accepted from \(request.remoteAddress) without credentials")
        }
    }

    func caller(_ principal: Principal, _ request: Request) -> Caller {
        let kind: Caller.Kind = switch principal {
        case .operator: .operator
        case .participant: .participant
        case .anonymous: .anonymous
        }
        return Caller(name: principal.auditName, kind: kind, remoteAddress: request.remoteAddress)
    }

    private func checkRate(_ principal: Principal, _ action: Action) throws(APIError) {
        guard action.isMutating else { return }
        let decision: RateLimiter.Decision
        switch principal {
        case .participant(let identity, let room):
            decision = participantLimiter.take(key: "\(identity)\u{0}\(room)")
        case .operator(let name):
            guard let operatorLimiter else { return }
            decision = operatorLimiter.take(key: name)
        case .anonymous:
            return
        }
        guard decision.allowed else {
            throw APIError(
                status: 429, code: APIErrorCode.rateLimited,
                message: "Too many recording changes; try again in \(decision.retryAfterSeconds) s.",
                retryAfterSeconds: decision.retryAfterSeconds, headers: ["Retry-After": String(decision.retryAfterSeconds)])
        }
    }

    /// With RECORDING_REQUIRE_PRESENCE, a participant may start recording only a call it is in.
    private func checkPresence(_ principal: Principal, _ action: Action) async throws(APIError) {
        guard requirePresence, case .participant(let identity, let room) = principal, case .start = action else { return }
        let participants: [ParticipantSnapshot]
        do {
            participants = try await rooms.listParticipants(roomName: room)
        } catch .notFound {
            throw APIError(status: 404, code: APIErrorCode.roomNotFound, message: "The room of your token is not active in LiveKit.")
        } catch {
            throw APIError(RecordingServiceError(
                code: APIErrorCode.livekitUnavailable, message: "LiveKit did not answer whether you are in the room; try again shortly.",
                kind: .unavailable, retryAfterSeconds: 5))
        }
        guard participants.contains(where: { $0.identity == identity }) else {
            throw .forbidden("Join the call before starting its recording.")
        }
    }
}

extension Action {
    /// The verb the audit trail records.
    var auditName: String {
        switch self {
        case .start: "start"
        case .stop: "stop"
        case .status: "status"
        case .updateLayout: "layout"
        case .download: "download"
        case .list: "list"
        case .listRooms: "rooms"
        case .delete: "delete"
        case .readAudit: "audit"
        }
    }

    var room: String? {
        switch self {
        case .start(let room): room
        case .stop(let room), .status(let room), .updateLayout(let room), .download(let room), .list(let room): room
        case .listRooms, .delete, .readAudit: nil
        }
    }
}

/// Writes refusals into the same audit table the domain writes its outcomes to,
/// and reads the trail back for operators.
struct AuditTrail: Sendable {
    let store: any RecordingStore
    let logger: Logger

    func record(_ action: Action, by principal: Principal, request: Request, egressId: String?, outcome: String) async {
        let record = AuditRecord(
            id: UUID().uuidString, at: EpochMilliseconds(Date()), actor: principal.auditName, actorKind: principal.actorKind,
            action: action.auditName, egressId: egressId, roomName: action.room, remoteAddress: request.remoteAddress, outcome: outcome)
        do {
            try await store.appendAudit(record)
        } catch {
            logger.error("Could not write the audit record of a refused \(action.auditName): \(error)")
        }
        logger.info("audit", ["audit.action": record.action, "audit.actor": record.actor, "audit.outcome": outcome, "room": record.roomName ?? ""])
    }

    /// A page of the trail for `GET /api/audit`.
    func page(_ query: AuditQuery) async throws(APIError) -> AuditResponse {
        do {
            let page = try await store.audit(query)
            let entries = page.records.map {
                AuditEntryInfo(
                    id: $0.id, at: $0.at, actor: $0.actor, actorKind: $0.actorKind, action: $0.action, egressId: $0.egressId,
                    roomName: $0.roomName, remoteAddress: $0.remoteAddress, outcome: $0.outcome)
            }
            return AuditResponse(entries: entries, nextCursor: page.nextCursor)
        } catch RecordingStoreError.invalidCursor {
            throw .badRequest(APIErrorCode.invalidField, "`cursor` is not one this server handed out; start again without it.")
        } catch {
            logger.error("Reading the audit trail failed: \(error)")
            throw APIError(status: 503, code: APIErrorCode.databaseUnavailable, message: "The database did not answer; try again shortly.",
                           retryAfterSeconds: 5, headers: ["Retry-After": "5"])
        }
    }
}
