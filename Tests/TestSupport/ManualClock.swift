import Foundation
import RecordingService
import Synchronization

/// A clock that only moves when told. `sleep` moves it forward by the time asked
/// (so waiting code finishes at once) and then runs `onSleep`, where a test can
/// play what happens meanwhile (a webhook arriving, LiveKit finishing).
public final class ManualClock: WallClock {
    private struct State {
        var now: Date
        var sleeps = 0
        var onSleep: (@Sendable (Date) async -> Void)?
    }

    private let state: Mutex<State>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_706_356_800)) {
        state = Mutex(State(now: start))
    }

    public var now: Date { state.withLock { $0.now } }

    /// How many times code slept on this clock.
    public var sleeps: Int { state.withLock { $0.sleeps } }

    public func advance(by seconds: Double) {
        state.withLock { $0.now = $0.now.addingTimeInterval(seconds) }
    }

    public func set(_ date: Date) {
        state.withLock { $0.now = date }
    }

    /// Runs after every `sleep`, with the time after it.
    public func onSleep(_ body: (@Sendable (Date) async -> Void)?) {
        state.withLock { $0.onSleep = body }
    }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        let (after, hook) = state.withLock { state -> (Date, (@Sendable (Date) async -> Void)?) in
            state.now = state.now.addingTimeInterval(seconds)
            state.sleeps += 1
            return (state.now, state.onSleep)
        }
        await Task.yield()
        await hook?(after)
    }
}
