import CLibEvent
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

    /// 32 hex digits: 64 random bits and a per-process counter under a random salt, so ids
    /// are unguessable enough for correlation and never repeat within a process. The random
    /// bits come from a pool refilled every 64 ids (one `getrandom` call per id was 3% of a
    /// `/health` request). This module does not depend on Crypto. Event loops use their own
    /// `RequestIDGenerator` instead (no lock).
    static func generate() -> String {
        let random = randomPool.withLock { $0.next() }
        return format(random: random, count: counter.add(1, ordering: .relaxed).newValue)
    }

    /// `count` values of the process's counter for one caller alone: the first of them.
    static func reserveCounts(_ count: UInt64) -> UInt64 {
        counter.add(count, ordering: .relaxed).newValue - count + 1
    }

    static func format(random: UInt64, count: UInt64) -> String {
        String(unsafeUninitializedCapacity: 32) { digits in
            writeHex(random, into: digits, at: 0)
            writeHex(count ^ processSalt, into: digits, at: 16)
            return 32
        }
    }

    struct RandomPool {
        private var values = [UInt64](repeating: 0, count: RequestID.batch)
        private var used = RequestID.batch

        mutating func next() -> UInt64 {
            if used == values.count {
                // libevent's secure generator (seeded from the kernel) fills the pool in one call.
                values.withUnsafeMutableBytes { evutil_secure_rng_get_bytes($0.baseAddress, $0.count) }
                used = 0
            }
            defer { used += 1 }
            return values[used]
        }
    }

    static let batch = 64

    private static let randomPool = Mutex(RandomPool())
    private static let counter = Atomic<UInt64>(0)
    private static let processSalt: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()

    private static func writeHex(_ value: UInt64, into digits: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        let alphabet: StaticString = "0123456789abcdef"
        for index in 0..<16 {
            let nibble = Int((value >> (60 - 4 * UInt64(index))) & 0xF)
            digits[offset + index] = alphabet.utf8Start[nibble]
        }
    }
}

/// Request ids for one event loop (its thread only): random bits from a pool of its own and
/// counter values reserved 64 at a time, so an id takes no lock and the loops share no
/// memory per request (the shared pool's lock and counter were ~0.1 µs of a `/health`).
/// Same ids as `RequestID.generate()`: they draw on the same counter and never repeat.
struct RequestIDGenerator {
    private var random = RequestID.RandomPool()
    private var nextCount: UInt64 = 0
    private var reservedEnd: UInt64 = 0

    /// The caller's id when it is sane (`RequestID.make(from:)`), else a new one.
    mutating func make(from incoming: String?) -> String {
        if let incoming, RequestID.isSane(incoming) { return incoming }
        return next()
    }

    mutating func next() -> String {
        if nextCount == reservedEnd {
            nextCount = RequestID.reserveCounts(UInt64(RequestID.batch))
            reservedEnd = nextCount + UInt64(RequestID.batch)
        }
        defer { nextCount += 1 }
        return RequestID.format(random: random.next(), count: nextCount)
    }
}
