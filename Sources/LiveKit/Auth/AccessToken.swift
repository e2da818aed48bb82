import Crypto
import Foundation

/// A LiveKit access token: an HS256 JWT signed with the API secret, `iss` = API key,
/// `sub` = identity, LiveKit's own claims (`name`, `metadata`, `video`, `sha256`).
///
/// Claims are written in the order and spelling of livekit-api's `AccessToken.to_jwt`
/// (PyJWT: header `{"alg":"HS256","typ":"JWT"}`, compact JSON), so the same claims at
/// the same second give the same token string; LiveKit's Go verifier does not care about order.
public struct AccessToken: Sendable, CustomStringConvertible {
    public let apiKey: String
    private let apiSecret: Redacted
    /// `sub`; empty for server API calls, which act as no participant.
    public var identity: String = ""
    public var name: String?
    public var metadata: String?
    public var video: VideoGrant?
    /// Standard base64 of SHA-256 over a webhook body (how LiveKit signs webhooks).
    public var sha256: String?
    /// `jti`, when a caller wants tokens to be told apart; LiveKit neither sets nor needs it.
    public var tokenId: String?
    /// Lifetime from `now`; LiveKit's SDKs default to 6 hours.
    public var ttl: TimeInterval = 6 * 60 * 60

    public init(apiKey: String, apiSecret: String) {
        self.apiKey = apiKey
        self.apiSecret = Redacted(apiSecret)
    }

    /// The signed token. `nbf` is `now` and `exp` is `now + ttl`, both whole seconds rounded down.
    public func toJWT(now: Date = Date()) -> String {
        let header = JSONValue.object([("alg", .string("HS256")), ("typ", .string("JWT"))])
        let signingInput = Base64URL.encode(Array(header.serialized.utf8)) + "." + Base64URL.encode(Array(payload(now: now).serialized.utf8))
        let signature = HMACSHA256.authenticationCode(for: signingInput, key: Array(apiSecret.value.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    public var description: String { "AccessToken(apiKey: \(apiKey), identity: \(identity))" }

    func payload(now: Date) -> JSONValue {
        var members: [(String, JSONValue)] = []
        // Empty strings are left out, as livekit-api leaves them out ("minimal jwt size").
        if let name, !name.isEmpty { members.append(("name", .string(name))) }
        if let metadata, !metadata.isEmpty { members.append(("metadata", .string(metadata))) }
        if let video { members.append(("video", .object(video.jsonMembers))) }
        if let sha256, !sha256.isEmpty { members.append(("sha256", .string(sha256))) }
        members.append(("sub", .string(identity)))
        members.append(("iss", .string(apiKey)))
        members.append(("nbf", .integer(Self.wholeSeconds(now))))
        members.append(("exp", .integer(Self.wholeSeconds(now.addingTimeInterval(ttl)))))
        if let tokenId { members.append(("jti", .string(tokenId))) }
        return .object(members)
    }

    private static func wholeSeconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }
}

/// The claims of a verified token.
public struct Claims: Sendable, Equatable {
    /// `iss`: the API key that signed it.
    public var issuer: String
    /// `sub`; empty when absent.
    public var identity: String
    public var name: String?
    public var metadata: String?
    public var video: VideoGrant?
    public var sha256: String?
    public var tokenId: String?
    public var notBefore: Date?
    public var expiresAt: Date
}
