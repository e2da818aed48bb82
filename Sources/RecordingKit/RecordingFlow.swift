import Foundation
import RecordingModels

/// What the record button of one room shows.
public enum RecordingButtonState: Sendable, Equatable {
    case idle
    /// The user tapped record; nothing starts until everyone's consent is confirmed.
    case awaitingConsent
    case starting
    case recording(egressId: String, since: Date)
    case stopping(egressId: String, since: Date)
    /// Ended with a file (complete, or cut at the length limit): the recording as last seen.
    case finished(RecordingInfo)
    case failed(RecordingError)

    /// The recording this state follows, if any.
    public var egressId: String? {
        switch self {
        case .recording(let egressId, _), .stopping(let egressId, _): egressId
        case .finished(let info): info.egressId
        default: nil
        }
    }
}

/// What happened: a tap, or the answer to an effect.
public enum RecordingEvent: Sendable, Equatable {
    case recordTapped
    case consentGiven
    case consentDeclined
    case stopTapped
    /// Back to idle from finished or failed.
    case dismissed
    case startSucceeded(egressId: String, since: Date)
    case startFailed(RecordingError)
    case stopSucceeded(egressId: String)
    case stopFailed(egressId: String, RecordingError)
    /// Time to look at the recording's status again.
    case pollDue(egressId: String)
    case statusReceived(RecordingInfo)
    case statusFailed(egressId: String, RecordingError)
    /// The room's active recording found after a restart, or nil.
    case resumed(RecordingInfo?)
}

/// What the owner of the flow must do; its outcome comes back as an event.
public enum RecordingEffect: Sendable, Equatable {
    case startRecording
    case stopRecording(egressId: String)
    case fetchStatus(egressId: String)
    case schedulePoll(egressId: String, after: TimeInterval)
    case cancelPolling
    /// Show the error without leaving the state (e.g. stop failed: still recording).
    case reportError(RecordingError)
}

/// How often a followed recording's status is fetched.
public struct PollingPolicy: Sendable, Equatable {
    public var interval: TimeInterval
    /// After failed fetches the wait doubles, up to this.
    public var maxInterval: TimeInterval

    public init(interval: TimeInterval = 3, maxInterval: TimeInterval = 30) {
        self.interval = interval
        self.maxInterval = max(interval, maxInterval)
    }
}

/// The record button's state machine, as a value: `handle` decides the next state and
/// returns the effects to perform; it does no I/O, so every transition is testable.
/// Events that make no sense in the current state (a late answer for another
/// recording, a double tap) are ignored: no state change, no effect.
public struct RecordingFlow: Sendable, Equatable {
    public private(set) var state: RecordingButtonState
    public var polling: PollingPolicy
    /// Status fetches failed in a row, for the backoff.
    private(set) var statusFailures = 0

    public init(state: RecordingButtonState = .idle, polling: PollingPolicy = PollingPolicy()) {
        self.state = state
        self.polling = polling
    }

    public mutating func handle(_ event: RecordingEvent) -> [RecordingEffect] {
        switch (state, event) {
        case (.idle, .recordTapped), (.finished, .recordTapped), (.failed, .recordTapped):
            state = .awaitingConsent
            return []
        case (.awaitingConsent, .consentGiven):
            state = .starting
            return [.startRecording]
        case (.awaitingConsent, .consentDeclined), (.finished, .dismissed), (.failed, .dismissed):
            state = .idle
            return []
        case (.starting, .startSucceeded(let egressId, let since)):
            return follow(egressId: egressId, since: since)
        case (.starting, .startFailed(let error)):
            state = .failed(error)
            return []
        case (.recording(let egressId, let since), .stopTapped):
            state = .stopping(egressId: egressId, since: since)
            return [.cancelPolling, .stopRecording(egressId: egressId)]
        case (.stopping(let egressId, _), .stopSucceeded(let id)) where id == egressId:
            // The stop answer may still say ENDING; the status tells when the file is there.
            return [.fetchStatus(egressId: egressId)]
        case (.stopping(let egressId, let since), .stopFailed(let id, let error)) where id == egressId:
            return stopFailed(egressId: egressId, since: since, error: error)
        case (.recording(let egressId, _), .pollDue(let id)) where id == egressId,
             (.stopping(let egressId, _), .pollDue(let id)) where id == egressId:
            return [.fetchStatus(egressId: egressId)]
        case (.recording(let egressId, _), .statusReceived(let info)) where info.egressId == egressId,
             (.stopping(let egressId, _), .statusReceived(let info)) where info.egressId == egressId:
            return statusReceived(info)
        case (.recording(let egressId, _), .statusFailed(let id, let error)) where id == egressId,
             (.stopping(let egressId, _), .statusFailed(let id, let error)) where id == egressId:
            return statusFailed(error)
        case (.idle, .resumed(let info?)), (.awaitingConsent, .resumed(let info?)),
             (.finished, .resumed(let info?)), (.failed, .resumed(let info?)):
            guard info.status.isActive else { return [] }
            return statusReceived(info)
        default:
            return []
        }
    }

    private mutating func follow(egressId: String, since: Date) -> [RecordingEffect] {
        state = .recording(egressId: egressId, since: since)
        statusFailures = 0
        return [.schedulePoll(egressId: egressId, after: polling.interval)]
    }

    /// A fresh status of the followed recording: it may have been stopped or failed elsewhere.
    private mutating func statusReceived(_ info: RecordingInfo) -> [RecordingEffect] {
        statusFailures = 0
        switch info.status {
        case .starting, .active:
            if case .stopping = state {
                // Our stop was accepted; LiveKit has not caught up yet. Keep showing it.
            } else {
                state = .recording(egressId: info.egressId, since: info.startedAt.date)
            }
        case .ending:
            state = .stopping(egressId: info.egressId, since: info.startedAt.date)
        case .complete, .limitReached:
            state = .finished(info)
            return [.cancelPolling]
        case .failed, .aborted:
            state = .failed(.recordingFailed(egressId: info.egressId, message: Self.failureMessage(info)))
            return [.cancelPolling]
        }
        return [.schedulePoll(egressId: info.egressId, after: polling.interval)]
    }

    private mutating func statusFailed(_ error: RecordingError) -> [RecordingEffect] {
        guard let egressId = state.egressId else { return [] }
        if case .notFound = error {
            // Deleted elsewhere: nothing left to follow.
            state = .failed(error)
            return [.cancelPolling]
        }
        statusFailures += 1
        let backoff = polling.interval * Double(1 << min(statusFailures, 16))
        return [.schedulePoll(egressId: egressId, after: min(polling.maxInterval, backoff))]
    }

    private mutating func stopFailed(egressId: String, since: Date, error: RecordingError) -> [RecordingEffect] {
        if case .notFound = error {
            state = .failed(error)
            return []
        }
        // The recording is still on as far as we know: say so, and keep following it.
        state = .recording(egressId: egressId, since: since)
        return [.reportError(error), .schedulePoll(egressId: egressId, after: polling.interval)]
    }

    private static func failureMessage(_ info: RecordingInfo) -> String {
        if let error = info.error, !error.isEmpty { return error }
        return info.status == .aborted
            ? "The recording was aborted before it produced a file."
            : "The recording failed."
    }
}
