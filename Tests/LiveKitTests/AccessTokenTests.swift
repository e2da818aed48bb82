import Crypto
import Foundation
import Testing
@testable import LiveKit

@Suite struct AccessTokenTests {
    static let apiKey = "APIkey"
    static let apiSecret = "0123456789abcdef0123456789abcdef"
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// Known answers: the tokens livekit-api 1.2.2 (`AccessToken.to_jwt`, clock pinned to
    /// `now` by tools/crosscheck/livekit/tokens.py) mints for the same claims.
    @Test func egressTokenEqualsLiveKitPythonSDKToken() {
        var token = AccessToken(apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        token.video = VideoGrant(roomRecord: true, canPublish: true, canSubscribe: true, canPublishData: true)
        token.ttl = 600
        #expect(token.toJWT(now: Self.now) == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ2aWRlbyI6eyJyb29tUmVjb3JkIjp0cnVlLCJjYW5QdWJsaXNoIjp0cnVlLCJjYW5TdWJzY3JpYmUiOnRydWUsImNhblB1Ymxpc2hEYXRhIjp0cnVlfSwic3ViIjoiIiwiaXNzIjoiQVBJa2V5IiwibmJmIjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDA2MDB9.qsRVvfkjZcUSES5ypoLqKptZ4Bqms_OSH81cIMiCcKQ")
    }

    @Test func participantTokenWithEscapedTextEqualsLiveKitPythonSDKToken() {
        var token = AccessToken(apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        token.identity = "rec-bot"
        token.name = "Zoë \"bot\" /x"
        token.metadata = "{\"k\":1}"
        token.video = VideoGrant(roomAdmin: true, roomJoin: true, room: "!abc:example.org", canPublish: false, canSubscribe: true, canPublishData: true, hidden: true)
        token.ttl = 3600
        #expect(token.toJWT(now: Self.now.addingTimeInterval(0.75)) == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYW1lIjoiWm9cdTAwZWIgXCJib3RcIiAveCIsIm1ldGFkYXRhIjoie1wia1wiOjF9IiwidmlkZW8iOnsicm9vbUFkbWluIjp0cnVlLCJyb29tSm9pbiI6dHJ1ZSwicm9vbSI6IiFhYmM6ZXhhbXBsZS5vcmciLCJjYW5QdWJsaXNoIjpmYWxzZSwiY2FuU3Vic2NyaWJlIjp0cnVlLCJjYW5QdWJsaXNoRGF0YSI6dHJ1ZSwiaGlkZGVuIjp0cnVlfSwic3ViIjoicmVjLWJvdCIsImlzcyI6IkFQSWtleSIsIm5iZiI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwfQ.ed43UC169yRxwvvvng4WThRptUObixaRNEunmMqiV5E")
    }

    @Test func payloadCarriesLiveKitClaimNames() throws {
        var token = AccessToken(apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        token.video = .administer(room: "room-1")
        token.sha256 = "abc="
        token.tokenId = "jti-1"
        let parts = token.toJWT(now: Self.now).split(separator: ".")
        let payload = try #require(Base64URL.decode(String(parts[1])))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
        #expect(object["iss"] as? String == Self.apiKey)
        #expect(object["nbf"] as? Int == 1_700_000_000)
        #expect(object["exp"] as? Int == 1_700_000_000 + 6 * 3600)
        #expect(object["sha256"] as? String == "abc=")
        #expect(object["jti"] as? String == "jti-1")
        let video = try #require(object["video"] as? [String: Any])
        #expect(video.keys.sorted() == ["room", "roomAdmin"])
        #expect(video["roomAdmin"] as? Bool == true)
    }

    @Test func secretNeverAppearsInDescriptions() {
        let token = AccessToken(apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        let verifier = TokenVerifier(apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        var dumped = ""
        dump(token, to: &dumped)
        dump(verifier, to: &dumped)
        for text in [String(describing: token), String(reflecting: token), String(describing: verifier), dumped] {
            #expect(!text.contains(Self.apiSecret))
        }
    }
}

@Suite struct TokenVerifierTests {
    static let verifier = TokenVerifier(apiKey: AccessTokenTests.apiKey, apiSecret: AccessTokenTests.apiSecret)
    static let now = AccessTokenTests.now

    static func token(apiKey: String = AccessTokenTests.apiKey, secret: String = AccessTokenTests.apiSecret, ttl: TimeInterval = 600, issuedAt: Date = now) -> String {
        var token = AccessToken(apiKey: apiKey, apiSecret: secret)
        token.identity = "alice"
        token.name = "Alice"
        token.video = VideoGrant(roomList: true, roomJoin: true, room: "r")
        token.ttl = ttl
        return token.toJWT(now: issuedAt)
    }

    /// A token with any header and payload, signed with the test secret.
    static func signed(header: String, payload: String, secret: String = AccessTokenTests.apiSecret) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        return input + "." + Base64URL.encode(HMACSHA256.authenticationCode(for: input, key: Array(secret.utf8)))
    }

    @Test func acceptsOwnTokenWithGrantsIntact() throws {
        let claims = try Self.verifier.verify(Self.token(), now: Self.now)
        #expect(claims.identity == "alice")
        #expect(claims.name == "Alice")
        #expect(claims.issuer == AccessTokenTests.apiKey)
        #expect(claims.video == VideoGrant(roomList: true, roomJoin: true, room: "r"))
        #expect(claims.expiresAt == Self.now.addingTimeInterval(600))
        #expect(claims.notBefore == Self.now)
    }

    @Test func allowsOneMinuteOfClockSkewEitherWay() throws {
        let token = Self.token(ttl: 600)
        _ = try Self.verifier.verify(token, now: Self.now.addingTimeInterval(-59))
        _ = try Self.verifier.verify(token, now: Self.now.addingTimeInterval(600 + 59))
    }

    /// (case, token, seconds after `now` when it is checked, expected refusal)
    static let failures: [(String, String, TimeInterval, TokenVerificationError)] = [
        ("expired beyond leeway", token(), 661, .expired),
        ("not yet valid beyond leeway", token(issuedAt: now.addingTimeInterval(120)), 0, .notYetValid),
        ("wrong secret", token(secret: "another-secret-0123456789abcdef012345"), 0, .badSignature),
        ("wrong issuer", token(apiKey: "APIother"), 0, .wrongIssuer),
        ("alg none", signed(header: #"{"alg":"none","typ":"JWT"}"#, payload: #"{"iss":"APIkey","exp":1700000600}"#), 0, .unsupportedAlgorithm("none")),
        ("alg HS512", signed(header: #"{"alg":"HS512","typ":"JWT"}"#, payload: #"{"iss":"APIkey","exp":1700000600}"#), 0, .unsupportedAlgorithm("HS512")),
        ("alg lowercase", signed(header: #"{"alg":"hs256"}"#, payload: #"{"iss":"APIkey","exp":1700000600}"#), 0, .unsupportedAlgorithm("hs256")),
        ("no exp", signed(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: #"{"iss":"APIkey"}"#), 0, .missingExpiry),
        ("two parts", "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJBUElrZXkifQ", 0, .malformed("a JWT has three dot-separated parts")),
        ("header not base64url", "a+b/.eyJpc3MiOiJBUElrZXkifQ.c2ln", 0, .malformed("the header is not base64url")),
        ("header not JSON", Base64URL.encode(Array("nope".utf8)) + ".e30.c2ln", 0, .malformed("the header is not the JSON object a LiveKit token carries")),
        ("payload not JSON", signed(header: #"{"alg":"HS256"}"#, payload: "[1,2"), 0, .malformed("the payload is not the JSON object a LiveKit token carries")),
        ("exp is text", signed(header: #"{"alg":"HS256"}"#, payload: #"{"iss":"APIkey","exp":"soon"}"#), 0, .malformed("the payload is not the JSON object a LiveKit token carries")),
        ("signature not base64url", token().split(separator: ".").prefix(2).joined(separator: ".") + ".***", 0, .malformed("the signature is not base64url")),
        ("empty", "", 0, .malformed("a JWT has three dot-separated parts")),
    ]

    @Test(arguments: failures)
    func refuses(_ failure: (String, String, TimeInterval, TokenVerificationError)) {
        let (_, token, offset, expected) = failure
        #expect(throws: expected) { try Self.verifier.verify(token, now: Self.now.addingTimeInterval(offset)) }
    }

    @Test func tamperedPayloadIsBadSignature() {
        let parts = Self.token().split(separator: ".").map(String.init)
        let forged = Base64URL.encode(Array(#"{"iss":"APIkey","sub":"admin","exp":1700000600,"video":{"roomAdmin":true}}"#.utf8))
        #expect(throws: TokenVerificationError.badSignature) { try Self.verifier.verify(parts[0] + "." + forged + "." + parts[2], now: Self.now) }
    }

    @Test func errorDescriptionsNeverQuoteTokenOrSecret() {
        let token = Self.token(secret: "another-secret-0123456789abcdef012345")
        do {
            _ = try Self.verifier.verify(token, now: Self.now)
            Issue.record("a token signed with another secret was accepted")
        } catch {
            #expect(!error.description.contains(token))
            #expect(!error.description.contains(AccessTokenTests.apiSecret))
            #expect(!error.description.contains(String(token.split(separator: ".")[2])))
        }
    }
}
