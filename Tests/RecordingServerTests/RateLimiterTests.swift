import Foundation
import Testing

@testable import RecordingServer

@Suite struct RateLimiterTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func burstThenRefusedWithRetryAfter() {
        let limiter = RateLimiter(ratePerMinute: 10, burst: 5)
        for _ in 0..<5 { #expect(limiter.take(key: "alice|room", now: start).allowed) }
        let refused = limiter.take(key: "alice|room", now: start)
        #expect(!refused.allowed)
        // 10 per minute: one token every 6 s.
        #expect(refused.retryAfterSeconds == 6)
    }

    @Test func refillsOverTime() {
        let limiter = RateLimiter(ratePerMinute: 10, burst: 5)
        for _ in 0..<5 { _ = limiter.take(key: "k", now: start) }
        #expect(!limiter.take(key: "k", now: start.addingTimeInterval(5)).allowed)
        #expect(limiter.take(key: "k", now: start.addingTimeInterval(6.1)).allowed)
    }

    @Test func keysAreIndependent() {
        let limiter = RateLimiter(ratePerMinute: 1, burst: 1)
        #expect(limiter.take(key: "alice|a", now: start).allowed)
        #expect(!limiter.take(key: "alice|a", now: start).allowed)
        #expect(limiter.take(key: "alice|b", now: start).allowed)
        #expect(limiter.take(key: "bob|a", now: start).allowed)
    }
}
