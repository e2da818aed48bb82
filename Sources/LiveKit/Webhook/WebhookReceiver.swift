import Crypto
import Foundation

/// Checks and decodes LiveKit's webhook deliveries.
///
/// LiveKit signs a webhook with an access token in `Authorization` (no `Bearer `
/// prefix) whose `sha256` claim is the standard base64 of SHA-256 over the exact
/// body bytes (livekit/protocol `webhook/verifier.go`, livekit-api `webhook.py`).
/// The hash is checked on the raw bytes before anything parses them.
public struct WebhookReceiver: Sendable {
    public let verifier: TokenVerifier

    public init(verifier: TokenVerifier) {
        self.verifier = verifier
    }

    public func receive(body: [UInt8], authorization: String?, now: Date = Date()) throws(WebhookError) -> WebhookEvent {
        guard var token = authorization?.trimmingCharacters(in: .whitespaces), !token.isEmpty else { throw .missingAuthorization }
        // LiveKit sends the bare token; a proxy or a hand-made request may add `Bearer `.
        if token.lowercased().hasPrefix("bearer ") {
            token = String(token.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        let claims: Claims
        do {
            claims = try verifier.verify(token, now: now)
        } catch {
            throw .invalidToken(error)
        }
        guard let claimed = claims.sha256, !claimed.isEmpty else { throw .missingBodyHash }
        let actual = Data(SHA256.hash(body)).base64EncodedString()
        guard ConstantTime.equals(claimed, actual) else { throw .bodyHashMismatch }
        do {
            return try JSONDecoder().decode(WebhookEvent.self, from: Data(body))
        } catch {
            throw .undecodableBody("the body is not a LiveKit WebhookEvent")
        }
    }
}

/// Why a webhook delivery was refused. Never quotes the token.
public enum WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingAuthorization
    case invalidToken(TokenVerificationError)
    case missingBodyHash
    case bodyHashMismatch
    case undecodableBody(String)

    public var description: String {
        switch self {
        case .missingAuthorization: "webhook has no Authorization header"
        case .invalidToken(let reason): "webhook token refused: \(reason)"
        case .missingBodyHash: "webhook token has no sha256 claim"
        case .bodyHashMismatch: "webhook body does not match the sha256 claim of its token"
        case .undecodableBody(let reason): "webhook body could not be decoded: \(reason)"
        }
    }
}
