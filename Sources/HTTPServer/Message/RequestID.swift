import Synchronization

/// Request ids tie a client's report to our log lines (`X-Request-Id`).
enum RequestID {
    /// Keeps the caller's id when it is short and plain (a proxy or the app may have set
    /// it), because anything else would end up verbatim in logs; otherwise makes one.
    static func make(from incoming: String?) -> String {
        if let incoming, isSane(incoming) { return incoming }
        return generate()
    }

    static func isSane(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// 32 hex digits: 64 random bits (one `getrandom` call; `SystemRandomNumberGenerator`
    /// makes one per `next()`) and a per-process counter under a random salt, so ids are
    /// unguessable enough for correlation and never repeat within a process. This module
    /// does not depend on Crypto.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let random = generator.next() as UInt64
        return hex(random) + hex(counter.add(1, ordering: .relaxed).newValue ^ processSalt)
    }

    private static let counter = Atomic<UInt64>(0)
    private static let processSalt: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
