import Foundation
import Testing

@testable import RecordingServer

/// Stands in for LiveKit's verifier: tokens are "h.<identity>|<room>|<grants>.s", or "h.expired.s".
struct FakeParticipantTokens: ParticipantTokenVerifying {
    func verify(_ token: String) throws(ParticipantTokenRejection) -> ParticipantClaims {
        let middle = token.split(separator: ".", omittingEmptySubsequences: false)[1]
        if middle == "expired" { throw .expired }
        let fields = middle.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 3 else { throw .invalid }
        return ParticipantClaims(
            identity: fields[0], room: fields[1].isEmpty ? nil : fields[1], roomJoin: fields[2].contains("join"),
            roomAdmin: fields[2].contains("admin"), roomRecord: fields[2].contains("record"))
    }
}

@Suite("Who may record what")
struct AuthenticatorTests {
    static let operatorKey = "0123456789abcdef0123456789abcdef"

    func authenticator(policy: AuthSettings.ParticipantPolicy = .join, mode: AuthSettings.Mode = .required) throws -> Authenticator {
        var environment = ConfigurationTests.minimal
        environment["RECORDING_API_KEYS"] = "ops:\(Self.operatorKey)"
        environment["RECORDING_PARTICIPANT_POLICY"] = policy.rawValue
        environment["RECORDING_AUTH"] = mode.rawValue
        return Authenticator(settings: try Configuration.load(from: environment).auth, participantTokens: FakeParticipantTokens())
    }

    @Test(arguments: [nil, "", "Bearer", "Bearer ", "Basic abc", "Token x"])
    func missingCredentialsAre401(header: String?) throws {
        #expect(throws: APIError.unauthorized) { try authenticator().authenticate(authorization: header) }
    }

    @Test(arguments: ["Bearer not-a-key", "Bearer 0123456789abcdef0123456789abcdeX", "Bearer h.bad.s"])
    func garbageIs401(header: String) throws {
        #expect(throws: APIError.unauthorized) { try authenticator().authenticate(authorization: header) }
    }

    /// The byte-level trim must keep Foundation's answer, Unicode spaces and marks included.
    @Test(arguments: [
        "", " ", "\t", "tok", " tok", "tok ", "  tok\t ", "\ttok\t", "a b", " a b ", "\u{A0}tok\u{3000}", "tok\u{2009}",
        "tok \u{301}", "\u{301}tok", " \u{1F600} ", "tok\n", "\ntok", "\u{200B}tok", "tok\u{200B}", "\u{A0}", "é", " 🇫🇷 ", "\u{1680}x\u{205F}",
    ])
    func bearerTokenTrimsAsFoundationDoes(rest: String) {
        let expected = rest.trimmingCharacters(in: .whitespaces)
        // Scalar by scalar: `==` on strings would forgive a different normalization.
        #expect(Array(Authenticator.trimmingWhitespace(Substring(rest)).unicodeScalars) == Array(expected.unicodeScalars))
        #expect(Authenticator.bearerToken("Bearer " + rest) == Self.foundationBearerToken("Bearer " + rest))
    }

    /// `bearerToken` as it was with Foundation's trim.
    static func foundationBearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    @Test func operatorKeyIsAcceptedCaseInsensitiveScheme() throws {
        #expect(try authenticator().authenticate(authorization: "bearer \(Self.operatorKey)") == .operator(name: "ops"))
    }

    @Test func expiredTokenSaysSo() throws {
        #expect {
            try authenticator().authenticate(authorization: "Bearer h.expired.s")
        } throws: { error in
            (error as? APIError)?.code == "token_expired" && (error as? APIError)?.status == 401
        }
    }

    @Test(arguments: [
        (AuthSettings.ParticipantPolicy.join, "alice|!r:x|join", true),
        (.join, "alice|!r:x|", false),
        (.join, "alice||join", false),
        (.admin, "alice|!r:x|join", false),
        (.admin, "alice|!r:x|join,admin", true),
        (.admin, "alice|!r:x|join,record", true),
        (.none, "alice|!r:x|join,admin,record", false),
    ])
    func participantPolicies(policy: AuthSettings.ParticipantPolicy, claims: String, accepted: Bool) throws {
        let auth = try authenticator(policy: policy)
        if accepted {
            #expect(try auth.authenticate(authorization: "Bearer h.\(claims).s") == .participant(identity: "alice", room: "!r:x"))
        } else {
            #expect { try auth.authenticate(authorization: "Bearer h.\(claims).s") } throws: { ($0 as? APIError)?.status == 403 }
        }
    }

    @Test(arguments: [
        (Action.start(room: "!r:x"), true), (.stop(room: "!r:x"), true), (.status(room: "!r:x"), true),
        (.updateLayout(room: "!r:x"), true), (.download(room: "!r:x"), true), (.list(room: "!r:x"), true), (.list(room: nil), true),
        (.start(room: "!other:x"), false), (.stop(room: "!other:x"), false), (.status(room: "!other:x"), false),
        (.download(room: "!other:x"), false), (.list(room: "!other:x"), false),
        (.listRooms, false), (.delete, false), (.readAudit, false),
    ])
    func participantScope(action: Action, allowed: Bool) throws {
        let auth = try authenticator()
        let participant = Principal.participant(identity: "alice", room: "!r:x")
        if allowed {
            try auth.authorize(participant, action)
        } else {
            #expect { try auth.authorize(participant, action) } throws: { ($0 as? APIError)?.status == 403 }
        }
        // Operators may do everything.
        try auth.authorize(.operator(name: "ops"), action)
    }

    @Test func disabledAuthLetsAnyoneInAsAnonymous() throws {
        #expect(try authenticator(mode: .disabled).authenticate(authorization: nil) == .anonymous)
    }
}
