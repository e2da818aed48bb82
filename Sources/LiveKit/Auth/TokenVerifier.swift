import Crypto
import Foundation

/// Verifies LiveKit access tokens the way LiveKit's servers and SDKs do: HS256 only,
/// signature over `header.payload` with the API secret, `iss` equal to the API key,
/// `exp` required (livekit-api requires it since livekit/protocol#1706), and `exp`/`nbf`
/// checked with a leeway (LiveKit's Go verifier and livekit-api allow 1 minute of skew).
public struct TokenVerifier: Sendable, CustomStringConvertible {
    public let apiKey: String
    private let apiSecret: Redacted
    public let leeway: TimeInterval

    public init(apiKey: String, apiSecret: String, leeway: TimeInterval = 60) {
        self.apiKey = apiKey
        self.apiSecret = Redacted(apiSecret)
        self.leeway = leeway
    }

    public var description: String { "TokenVerifier(apiKey: \(apiKey), leeway: \(leeway))" }

    public func verify(_ token: String, now: Date = Date()) throws(TokenVerificationError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("a JWT has three dot-separated parts") }
        let header: Header = try Self.decodeSegment(parts[0], as: Header.self, name: "header")
        // The algorithm is checked before anything else is trusted: `none`, RS256 with the
        // secret as a "public key", HS512 … are the classic ways around a verifier.
        guard header.alg == "HS256" else { throw .unsupportedAlgorithm(String(header.alg.prefix(32))) }
        guard let signature = Base64URL.decode(String(parts[2])) else { throw .malformed("the signature is not base64url") }
        let signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        let expected = HMACSHA256.authenticationCode(for: signingInput, key: Array(apiSecret.value.utf8))
        guard ConstantTime.equals(signature, expected) else { throw .badSignature }

        let payload: Payload = try Self.decodeSegment(parts[1], as: Payload.self, name: "payload")
        guard payload.iss == apiKey else { throw .wrongIssuer }
        guard let exp = payload.exp else { throw .missingExpiry }
        let seconds = now.timeIntervalSince1970
        guard seconds <= exp + leeway else { throw .expired }
        if let nbf = payload.nbf, seconds + leeway < nbf { throw .notYetValid }
        return Claims(
            issuer: payload.iss ?? "", identity: payload.sub ?? "", name: payload.name,
            metadata: payload.metadata, video: payload.video, sha256: payload.sha256, tokenId: payload.jti,
            notBefore: payload.nbf.map(Date.init(timeIntervalSince1970:)),
            expiresAt: Date(timeIntervalSince1970: exp))
    }

    private struct Header: Decodable {
        let alg: String
    }

    /// JWT NumericDates may carry fractions (RFC 7519 §2), hence `Double`.
    private struct Payload: Decodable {
        let iss: String?
        let sub: String?
        let name: String?
        let metadata: String?
        let video: VideoGrant?
        let sha256: String?
        let jti: String?
        let nbf: Double?
        let exp: Double?
    }

    private static func decodeSegment<T: Decodable>(_ segment: Substring, as type: T.Type, name: String) throws(TokenVerificationError) -> T {
        guard let bytes = Base64URL.decode(String(segment)) else { throw .malformed("the \(name) is not base64url") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw .malformed("the \(name) is not the JSON object a LiveKit token carries")
        }
    }
}

/// Why a token was refused. Descriptions never quote the token or the secret.
public enum TokenVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedAlgorithm(String)
    case badSignature
    case wrongIssuer
    case missingExpiry
    case expired
    case notYetValid

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed token: \(reason)"
        case .unsupportedAlgorithm(let alg): "token algorithm \"\(alg)\" is not accepted; LiveKit tokens are HS256"
        case .badSignature: "token signature does not match: it was not signed with this API secret"
        case .wrongIssuer: "token was issued for another API key"
        case .missingExpiry: "token has no expiry (exp)"
        case .expired: "token has expired"
        case .notYetValid: "token is not valid yet (nbf in the future); check the clocks"
        }
    }
}
