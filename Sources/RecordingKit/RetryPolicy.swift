import Foundation

/// How a `RecordingClient` retries transient failures (no answer, 502/503/504, 429):
/// exponential backoff with jitter, a bounded number of attempts, and the server's
/// `Retry-After` honoured when it gave one.
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first included; 1 turns retrying off.
    public var maxAttempts: Int
    /// The wait before the second attempt; doubled for each further one.
    public var baseDelay: TimeInterval
    /// The longest wait between two attempts.
    public var maxDelay: TimeInterval
    /// A `Retry-After` longer than this is not waited out: the error goes to the caller.
    public var maxRetryAfter: TimeInterval
    /// Each wait is multiplied by a factor in `1 - jitter ... 1 + jitter`, so that many
    /// clients knocked off by the same outage do not come back in lockstep.
    public var jitter: Double
    /// A number in `0 ..< 1`; injectable so tests know the waits exactly.
    public var random: @Sendable () -> Double
    /// How to wait; injectable so tests do not wait.
    public var sleep: @Sendable (TimeInterval) async throws -> Void

    public init(
        maxAttempts: Int = 3,
        baseDelay: TimeInterval = 0.5,
        maxDelay: TimeInterval = 8,
        maxRetryAfter: TimeInterval = 30,
        jitter: Double = 0.2,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = RetryPolicy.taskSleep
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.jitter = min(max(jitter, 0), 1)
        self.random = random
        self.sleep = sleep
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// `Task.sleep(nanoseconds:)`: the form available back to iOS 15 / macOS 12.
    @Sendable public static func taskSleep(_ seconds: TimeInterval) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }

    /// The wait before attempt `attempt + 1` after `error`, or nil when it is not worth retrying.
    func delay(afterAttempt attempt: Int, error: RecordingError) -> TimeInterval? {
        guard attempt < maxAttempts, error.isTransient else { return nil }
        if let retryAfter = error.retryAfter {
            return retryAfter <= maxRetryAfter ? retryAfter : nil
        }
        let exponential = min(maxDelay, baseDelay * Double(1 << min(attempt - 1, 30)))
        let factor = 1 - jitter + 2 * jitter * random()
        return exponential * factor
    }
}
