import Crypto
import Foundation
import Testing
@testable import LiveKit

@Suite struct WebhookReceiverTests {
    static let apiKey = "APIwebhook"
    static let apiSecret = "webhook-secret-0123456789abcdef012345"
    static let now = Date(timeIntervalSince1970: 1_706_356_900)
    static let receiver = WebhookReceiver(verifier: TokenVerifier(apiKey: apiKey, apiSecret: apiSecret))
    static let body = Array(#"{"event":"egress_ended","egressInfo":{"egressId":"EG_1","roomName":"!abc:example.org","status":"EGRESS_COMPLETE","endedAt":"1706356860000000000"},"id":"EV_9","createdAt":"1706356861"}"#.utf8)

    /// Signed as LiveKit signs: the sha256 claim is standard base64 of SHA-256 over the body.
    static func authorization(for body: [UInt8], secret: String = apiSecret, sha256: String?? = .none) -> String {
        var token = AccessToken(apiKey: apiKey, apiSecret: secret)
        token.sha256 = sha256 ?? Data(SHA256.hash(body)).base64EncodedString()
        token.ttl = 300
        return token.toJWT(now: now)
    }

    @Test func acceptsLiveKitSignedDelivery() throws {
        let event = try Self.receiver.receive(body: Self.body, authorization: Self.authorization(for: Self.body), now: Self.now)
        #expect(event.event == "egress_ended")
        #expect(event.id == "EV_9")
        #expect(event.egressInfo?.status == .complete)
        #expect(event.egressInfo?.endedAt == Date(timeIntervalSince1970: 1_706_356_860))
    }

    @Test func toleratesBearerPrefix() throws {
        let event = try Self.receiver.receive(body: Self.body, authorization: "Bearer " + Self.authorization(for: Self.body), now: Self.now)
        #expect(event.id == "EV_9")
    }

    @Test(arguments: [nil, "", "  "])
    func missingAuthorization(_ header: String?) {
        #expect(throws: WebhookError.missingAuthorization) { try Self.receiver.receive(body: Self.body, authorization: header, now: Self.now) }
    }

    @Test func tokenSignedWithAnotherSecret() {
        let header = Self.authorization(for: Self.body, secret: "another-secret-0123456789abcdef0123")
        #expect(throws: WebhookError.invalidToken(.badSignature)) { try Self.receiver.receive(body: Self.body, authorization: header, now: Self.now) }
    }

    @Test func expiredToken() {
        #expect(throws: WebhookError.invalidToken(.expired)) {
            try Self.receiver.receive(body: Self.body, authorization: Self.authorization(for: Self.body), now: Self.now.addingTimeInterval(301 + 60))
        }
    }

    @Test func tokenWithoutBodyHash() {
        #expect(throws: WebhookError.missingBodyHash) {
            try Self.receiver.receive(body: Self.body, authorization: Self.authorization(for: Self.body, sha256: .some(nil)), now: Self.now)
        }
    }

    @Test(arguments: [0, 40, body.count - 1])
    func oneChangedByteIsAMismatch(_ index: Int) {
        var tampered = Self.body
        tampered[index] ^= 0x01
        #expect(throws: WebhookError.bodyHashMismatch) { try Self.receiver.receive(body: tampered, authorization: Self.authorization(for: Self.body), now: Self.now) }
    }

    @Test func hashIsOverRawBytesNotReencodedJSON() {
        // Same JSON value, other bytes: LiveKit hashed the bytes it sent, so this must not pass.
        let reformatted = Array(String(decoding: Self.body, as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
        #expect(throws: WebhookError.bodyHashMismatch) { try Self.receiver.receive(body: reformatted, authorization: Self.authorization(for: Self.body), now: Self.now) }
    }

    @Test func signedButUndecodableBody() {
        let body = Array(#"{"event":"egress_ended","egressInfo":{"status":"EGRESS_EXPLODED"}}"#.utf8)
        #expect(throws: WebhookError.undecodableBody("the body is not a LiveKit WebhookEvent")) {
            try Self.receiver.receive(body: body, authorization: Self.authorization(for: body), now: Self.now)
        }
    }
}
