import Foundation
import Synchronization

/// Token buckets per key (participant identity and room): `ratePerMinute` tokens
/// refill evenly over a minute, up to `burst`. Keys idle long enough to have a full
/// bucket are forgotten, so a flood of one-off identities cannot grow memory forever.
final class RateLimiter: Sendable {
    struct Decision: Equatable {
        let allowed: Bool
        /// Whole seconds until one token is back (0 when allowed).
        let retryAfterSeconds: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let ratePerSecond: Double
    private let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(ratePerMinute: Int, burst: Int) {
        self.ratePerSecond = Double(ratePerMinute) / 60
        self.burst = Double(max(burst, 1))
    }

    func take(key: String, now: Date = Date()) -> Decision {
        buckets.withLock { all in
            if all.count > 10_000 { forgetFullBuckets(&all, now: now) }
            var bucket = all[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(burst, bucket.tokens + elapsed * ratePerSecond)
            bucket.updated = now
            defer { all[key] = bucket }
            guard bucket.tokens >= 1 else {
                let wait = (1 - bucket.tokens) / ratePerSecond
                return Decision(allowed: false, retryAfterSeconds: max(1, Int(wait.rounded(.up))))
            }
            bucket.tokens -= 1
            return Decision(allowed: true, retryAfterSeconds: 0)
        }
    }

    private func forgetFullBuckets(_ all: inout [String: Bucket], now: Date) {
        all = all.filter { _, bucket in
            bucket.tokens + now.timeIntervalSince(bucket.updated) * ratePerSecond < burst
        }
    }
}
