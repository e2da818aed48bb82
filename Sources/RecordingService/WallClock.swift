import Foundation
import RecordingModels

/// Time as the domain sees it: now, and waiting. Named `WallClock` rather than
/// `Clock` so it does not shadow the standard library's `Clock` in modules that
/// import this one. Tests use `ManualClock` (TestSupport).
public protocol WallClock: Sendable {
    var now: Date { get }
    func sleep(seconds: Double) async throws
}

public struct SystemWallClock: WallClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
    }
}

extension WallClock {
    var nowMilliseconds: EpochMilliseconds { EpochMilliseconds(now) }
}
