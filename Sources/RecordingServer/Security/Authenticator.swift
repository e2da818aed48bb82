import Crypto
import RecordingModels

/// Turns an `Authorization` header into a `Principal`, and decides what that
/// principal may do (issue: "who may record what").
///
/// Operator keys are compared in constant time against every configured key, so
/// response times say nothing about how close a guess was or which key matched.
struct Authenticator: Sendable {
    let settings: AuthSettings
    let participantTokens: any ParticipantTokenVerifying

    func authenticate(authorization: String?) throws(APIError) -> Principal {
        if settings.mode == .disabled { return .anonymous }
        guard let token = Self.bearerToken(authorization) else { throw .unauthorized }
        if let key = matchingOperatorKey(token) { return .operator(name: key.name) }
        guard Self.looksLikeJWT(token) else { throw .unauthorized }
        let claims: ParticipantClaims
        do {
            claims = try participantTokens.verify(token)
        } catch .expired {
            throw APIError(
                status: 401, code: APIErrorCode.tokenExpired, message: "The token has expired; fetch a fresh LiveKit token and retry.",
                headers: ["WWW-Authenticate": "Bearer error=\"invalid_token\""])
        } catch {
            throw .unauthorized
        }
        guard settings.participantPolicy != .none else {
            throw .forbidden("Participant tokens are not accepted by this service; ask an operator.")
        }
        guard let room = claims.room, !room.isEmpty, claims.roomJoin else {
            throw .forbidden("The token does not allow joining a room, so it cannot control recordings.")
        }
        if settings.participantPolicy == .admin, !(claims.roomAdmin || claims.roomRecord) {
            throw .forbidden("Recording this room needs a token with roomAdmin or roomRecord.")
        }
        return .participant(identity: claims.identity, room: room)
    }

    /// Throws 403 when `principal` may not perform `action`.
    func authorize(_ principal: Principal, _ action: Action) throws(APIError) {
        guard case .participant(_, let tokenRoom) = principal else { return }
        switch action {
        case .start(let room):
            guard room == tokenRoom else { throw .forbidden("Your token is for another room than this recording's.") }
        case .stop(let room), .status(let room), .updateLayout(let room), .download(let room):
            // A participant's recording room is always known (nil fails closed).
            guard room == tokenRoom else { throw .forbidden("Your token is for another room than this recording's.") }
        case .list(let room):
            guard room == nil || room == tokenRoom else { throw .forbidden("Your token only allows listing your own room's recordings.") }
        case .listRooms, .delete, .readAudit:
            throw .forbidden("Only operators may do this.")
        }
    }

    private func matchingOperatorKey(_ token: String) -> OperatorKey? {
        var match: OperatorKey?
        for key in settings.operatorKeys where ConstantTime.equals(key.key, token) && match == nil {
            match = key
        }
        return match
    }

    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = trimmingWhitespace(parts[1])
        return token.isEmpty ? nil : String(token)
    }

    /// `trimmingCharacters(in: .whitespaces)` without Foundation for the usual ASCII ends:
    /// its NSString path was ~3% of a list request (bench/README.md). In ASCII that set is
    /// space and tab; beyond ASCII Foundation still decides (its set is more than category
    /// Zs: it has U+200B, for one).
    static func trimmingWhitespace(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        let isBlank = { (scalar: Unicode.Scalar) in scalar == " " || scalar == "\t" }
        guard let first = scalars.firstIndex(where: { !isBlank($0) }), let last = scalars.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        guard scalars[first].isASCII, scalars[last].isASCII else { return Substring(text.trimmingCharacters(in: .whitespaces)) }
        return Substring(scalars[first...last])
    }

    private static func looksLikeJWT(_ token: String) -> Bool {
        token.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }
}
