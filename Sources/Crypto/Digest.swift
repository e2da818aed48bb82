import CCrypto
import Foundation

/// SHA-256 (FIPS 180-4) through OpenSSL's EVP interface.
public enum SHA256 {
    public static let byteCount = 32

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    public static func hash(_ text: String) -> [UInt8] { hash(Array(text.utf8)) }
}

/// Incremental SHA-256, for data that arrives in pieces (a file being streamed).
/// A value type over a context it owns; `finalize` consumes it.
public struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    public init() {
        // EVP_MD_CTX_new fails only when memory is exhausted: nothing sensible to recover.
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("OpenSSL could not create a SHA-256 context (out of memory)")
        }
        self.context = context
    }

    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done = bytes.withContiguousStorageIfAvailable { buffer in
            EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }
    }

    public consuming func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: SHA256.byteCount)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest
    }

    deinit {
        EVP_MD_CTX_free(context)
    }
}

/// HMAC-SHA256 (RFC 2104), used for JWT HS256 and AWS Signature V4.
public enum HMACSHA256 {
    public static func authenticationCode(for message: some Collection<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        let key = Array(key)
        let message = Array(message)
        var code = [UInt8](repeating: 0, count: SHA256.byteCount)
        var length: UInt32 = 0
        key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                // A zero-length key or message is legal; OpenSSL wants a non-null pointer for them.
                let keyPointer = UnsafeRawPointer(keyBuffer.baseAddress) ?? UnsafeRawPointer(bitPattern: 1)!
                let messagePointer = messageBuffer.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1)!
                _ = HMAC(EVP_sha256(), keyPointer, Int32(keyBuffer.count), messagePointer, messageBuffer.count, &code, &length)
            }
        }
        return code
    }

    public static func authenticationCode(for message: String, key: some Collection<UInt8>) -> [UInt8] {
        authenticationCode(for: Array(message.utf8), key: key)
    }
}

/// Comparison whose duration does not depend on where the inputs differ, so a
/// signature or key cannot be guessed byte by byte from response times.
public enum ConstantTime {
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        let lhs = Array(lhs)
        let rhs = Array(rhs)
        guard lhs.count == rhs.count else { return false }
        guard !lhs.isEmpty else { return true }
        return CRYPTO_memcmp(lhs, rhs, lhs.count) == 0
    }

    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(Array(lhs.utf8), Array(rhs.utf8))
    }
}

/// Bytes from OpenSSL's CSPRNG, for ids, nonces and keys.
public enum SecureRandom {
    public static func bytes(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        // RAND_bytes fails only if the CSPRNG cannot be seeded; continuing would hand out guessable ids.
        guard RAND_bytes(&bytes, Int32(count)) == 1 else {
            fatalError("OpenSSL's random generator failed; refusing to continue with predictable randomness")
        }
        return bytes
    }

    /// A random identifier of `byteCount` bytes as lowercase hex.
    public static func hexIdentifier(byteCount: Int = 16) -> String {
        Hex.encode(bytes(count: byteCount))
    }
}
