import Crypto
import Testing

@Suite("SHA-256: NIST FIPS 180-4 examples")
struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownAnswers(message: String, expected: String) {
        #expect(Hex.encode(SHA256.hash(message)) == expected)
    }

    @Test func oneMillionAsInPieces() {
        var hasher = SHA256Hasher()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(Hex.encode(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalEqualsOneShot() {
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        var hasher = SHA256Hasher()
        hasher.update(bytes[..<10])
        hasher.update(bytes[10...])
        #expect(hasher.finalize() == SHA256.hash(bytes))
    }
}

@Suite("HMAC-SHA256: RFC 4231 test cases")
struct HMACTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let key: [UInt8]
        let data: [UInt8]
        let expected: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "case 1", key: .init(repeating: 0x0b, count: 20), data: Array("Hi There".utf8),
               expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Vector(name: "case 2", key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
               expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Vector(name: "case 3", key: .init(repeating: 0xaa, count: 20), data: .init(repeating: 0xdd, count: 50),
               expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Vector(name: "case 4", key: Array(1...25), data: .init(repeating: 0xcd, count: 50),
               expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        Vector(name: "case 6", key: .init(repeating: 0xaa, count: 131),
               data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
               expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Vector(name: "case 7", key: .init(repeating: 0xaa, count: 131),
               data: Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
               expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: vectors)
    func knownAnswers(vector: Vector) {
        #expect(Hex.encode(HMACSHA256.authenticationCode(for: vector.data, key: vector.key)) == vector.expected)
    }

    /// Case 5 specifies only the first 128 bits of the output.
    @Test func truncatedOutput() {
        let code = HMACSHA256.authenticationCode(for: Array("Test With Truncation".utf8), key: [UInt8](repeating: 0x0c, count: 20))
        #expect(Hex.encode(code.prefix(16)) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func emptyKeyAndMessageAreAccepted() {
        // Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()
        #expect(Hex.encode(HMACSHA256.authenticationCode(for: [UInt8](), key: [UInt8]()))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}

@Suite struct ConstantTimeTests {
    @Test func equalAndUnequal() {
        #expect(ConstantTime.equals("secret-key", "secret-key"))
        #expect(!ConstantTime.equals("secret-key", "secret-kez"))
        #expect(!ConstantTime.equals("secret-key", "secret-key-longer"))
        #expect(ConstantTime.equals("", ""))
    }
}

@Suite struct SecureRandomTests {
    @Test func lengthsAndVariety() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        #expect(SecureRandom.bytes(count: 32).count == 32)
        // 128 random bits repeating would mean the generator is broken.
        #expect(SecureRandom.hexIdentifier() != SecureRandom.hexIdentifier())
        #expect(SecureRandom.hexIdentifier(byteCount: 8).count == 16)
    }
}

@Suite struct EncodingTests {
    @Test(arguments: [
        ([UInt8](), ""), ([0xff], "_w"), ([0xfb, 0xff], "-_8"), (Array("hello".utf8), "aGVsbG8"),
    ])
    func base64URLRoundTrip(bytes: [UInt8], encoded: String) {
        #expect(Base64URL.encode(bytes) == encoded)
        #expect(Base64URL.decode(encoded) == bytes)
    }

    @Test(arguments: ["a+b", "a/b", "!!!!", "a"])
    func base64URLRejects(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test func hexRoundTripAndRejects() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(Hex.decode("00ABff") == [0x00, 0xab, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
