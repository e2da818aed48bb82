/// The room name made safe for an S3 key, a URL path and a file name on every OS.
///
/// Room names are anything up to 256 bytes (LIVEKIT.md "Room names"): Matrix ids
/// (`!abc:example.org`), base64 with `+` and `/`. Only `[A-Za-z0-9._-]` survive;
/// every other run of characters becomes one `-`, `..` cannot survive, and the
/// slug is cut to 64 characters. A short hash of the *original* name is appended,
/// so names that slug alike (`!a:b`, `a-b`) still get different keys.
public struct RoomNameSlug: Sendable {
    public static let maximumSlugLength = 64

    /// Hex digest of the original room name; only its first 8 characters are used.
    /// Production wires SHA-256 (Crypto); tests may use any deterministic function.
    public typealias Digest = @Sendable (String) -> String

    let digest: Digest

    public init(digest: @escaping Digest) {
        self.digest = digest
    }

    /// `abc123-example.org-1a2b3c4d` for `!abc123:example.org`.
    public func slug(_ roomName: String) -> String {
        "\(Self.readablePart(roomName))-\(digest(roomName).prefix(8))"
    }

    /// The readable part alone, without the hash.
    static func readablePart(_ roomName: String) -> String {
        var out = ""
        var pendingDash = false
        for scalar in roomName.unicodeScalars {
            if isKept(scalar) {
                if pendingDash, !out.isEmpty { out.append("-") }
                pendingDash = false
                // `.` after `.` would rebuild `..` (a parent directory on every OS).
                if scalar == ".", out.hasSuffix(".") { continue }
                out.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        var slug = String(out.prefix(maximumSlugLength))
        // Leading dots hide files on Unix; trailing dots and dashes are dropped by Windows.
        while let first = slug.first, first == "." || first == "-" { slug.removeFirst() }
        while let last = slug.last, last == "." || last == "-" { slug.removeLast() }
        return slug.isEmpty ? "room" : slug
    }

    private static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }
}

extension RoomNameSlug {
    /// FNV-1a (64 bit), hex. Deterministic and dependency-free: a stand-in for tests and
    /// for wiring before SHA-256 is available. Not a security property either way: the
    /// hash only keeps different room names from sharing a key.
    public static let fnv1a: Digest = { text in
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
