import Foundation
import Testing
@testable import RecordingKit
import RecordingModels

/// One row of the transition table.
struct Transition: Sendable, CustomTestStringConvertible {
    var from: RecordingButtonState
    var event: RecordingEvent
    var to: RecordingButtonState
    var effects: [RecordingEffect]
    var testDescription: String { "\(Flow.name(from)) + \(Flow.name(event)) → \(Flow.name(to))" }
}

enum Flow {
    static let t0 = Sample.t0.date
    static let earlier = Date(timeIntervalSince1970: 1_706_356_000)
    static let transport = RecordingError.transport("offline")
    static let gone = RecordingError.notFound(message: "No such recording.")
    static let roomGone = RecordingError.roomNotFound(message: "Nobody is in the call.")

    static let active1 = Sample.recording("EG_1", status: .active)
    static let starting1 = Sample.recording("EG_1", status: .starting)
    static let ending1 = Sample.recording("EG_1", status: .ending)
    static let complete1 = Sample.recording("EG_1", status: .complete)
    static let limit1 = Sample.recording("EG_1", status: .limitReached)
    static let failed1 = Sample.recording("EG_1", status: .failed, error: "Chrome crashed.")
    static let aborted1 = Sample.recording("EG_1", status: .aborted)
    static let active2 = Sample.recording("EG_2", status: .active)

    static let states: [RecordingButtonState] = [
        .idle, .awaitingConsent, .starting,
        .recording(egressId: "EG_1", since: earlier), .stopping(egressId: "EG_1", since: earlier),
        .finished(complete1), .failed(transport),
    ]

    static let events: [RecordingEvent] = [
        .recordTapped, .consentGiven, .consentDeclined, .stopTapped, .dismissed,
        .startSucceeded(egressId: "EG_1", since: t0), .startFailed(roomGone),
        .stopSucceeded(egressId: "EG_1"), .stopSucceeded(egressId: "EG_2"),
        .stopFailed(egressId: "EG_1", transport), .stopFailed(egressId: "EG_1", gone), .stopFailed(egressId: "EG_2", transport),
        .pollDue(egressId: "EG_1"), .pollDue(egressId: "EG_2"),
        .statusReceived(active1), .statusReceived(starting1), .statusReceived(ending1), .statusReceived(complete1),
        .statusReceived(limit1), .statusReceived(failed1), .statusReceived(aborted1), .statusReceived(active2),
        .statusFailed(egressId: "EG_1", transport), .statusFailed(egressId: "EG_1", gone), .statusFailed(egressId: "EG_2", transport),
        .resumed(nil), .resumed(active1), .resumed(ending1), .resumed(complete1),
    ]

    static let poll1 = RecordingEffect.schedulePoll(egressId: "EG_1", after: 3)
    static let recording1Since = RecordingButtonState.recording(egressId: "EG_1", since: earlier)
    static let stopping1Since = RecordingButtonState.stopping(egressId: "EG_1", since: earlier)
    static let failed1Error = RecordingError.recordingFailed(egressId: "EG_1", message: "Chrome crashed.")
    static let aborted1Error = RecordingError.recordingFailed(egressId: "EG_1", message: "The recording was aborted before it produced a file.")

    /// Every legal transition. Any (state, event) pair of the samples not listed here must be ignored.
    static let table: [Transition] = [
        // Consent gates the start.
        Transition(from: .idle, event: .recordTapped, to: .awaitingConsent, effects: []),
        Transition(from: .awaitingConsent, event: .consentGiven, to: .starting, effects: [.startRecording]),
        Transition(from: .awaitingConsent, event: .consentDeclined, to: .idle, effects: []),
        // Starting.
        Transition(from: .starting, event: .startSucceeded(egressId: "EG_1", since: t0), to: .recording(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: .starting, event: .startFailed(roomGone), to: .failed(roomGone), effects: []),
        // Recording: following the status.
        Transition(from: recording1Since, event: .pollDue(egressId: "EG_1"), to: recording1Since, effects: [.fetchStatus(egressId: "EG_1")]),
        Transition(from: recording1Since, event: .statusReceived(active1), to: .recording(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: recording1Since, event: .statusReceived(starting1), to: .recording(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: recording1Since, event: .statusReceived(ending1), to: .stopping(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: recording1Since, event: .statusReceived(complete1), to: .finished(complete1), effects: [.cancelPolling]),
        Transition(from: recording1Since, event: .statusReceived(limit1), to: .finished(limit1), effects: [.cancelPolling]),
        Transition(from: recording1Since, event: .statusReceived(failed1), to: .failed(failed1Error), effects: [.cancelPolling]),
        Transition(from: recording1Since, event: .statusReceived(aborted1), to: .failed(aborted1Error), effects: [.cancelPolling]),
        Transition(from: recording1Since, event: .statusFailed(egressId: "EG_1", transport), to: recording1Since, effects: [.schedulePoll(egressId: "EG_1", after: 6)]),
        Transition(from: recording1Since, event: .statusFailed(egressId: "EG_1", gone), to: .failed(gone), effects: [.cancelPolling]),
        // Stopping.
        Transition(from: recording1Since, event: .stopTapped, to: stopping1Since, effects: [.cancelPolling, .stopRecording(egressId: "EG_1")]),
        Transition(from: stopping1Since, event: .stopSucceeded(egressId: "EG_1"), to: stopping1Since, effects: [.fetchStatus(egressId: "EG_1")]),
        Transition(from: stopping1Since, event: .stopFailed(egressId: "EG_1", transport), to: recording1Since, effects: [.reportError(transport), poll1]),
        Transition(from: stopping1Since, event: .stopFailed(egressId: "EG_1", gone), to: .failed(gone), effects: []),
        Transition(from: stopping1Since, event: .pollDue(egressId: "EG_1"), to: stopping1Since, effects: [.fetchStatus(egressId: "EG_1")]),
        Transition(from: stopping1Since, event: .statusReceived(active1), to: stopping1Since, effects: [poll1]),
        Transition(from: stopping1Since, event: .statusReceived(starting1), to: stopping1Since, effects: [poll1]),
        Transition(from: stopping1Since, event: .statusReceived(ending1), to: .stopping(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: stopping1Since, event: .statusReceived(complete1), to: .finished(complete1), effects: [.cancelPolling]),
        Transition(from: stopping1Since, event: .statusReceived(limit1), to: .finished(limit1), effects: [.cancelPolling]),
        Transition(from: stopping1Since, event: .statusReceived(failed1), to: .failed(failed1Error), effects: [.cancelPolling]),
        Transition(from: stopping1Since, event: .statusReceived(aborted1), to: .failed(aborted1Error), effects: [.cancelPolling]),
        Transition(from: stopping1Since, event: .statusFailed(egressId: "EG_1", transport), to: stopping1Since, effects: [.schedulePoll(egressId: "EG_1", after: 6)]),
        Transition(from: stopping1Since, event: .statusFailed(egressId: "EG_1", gone), to: .failed(gone), effects: [.cancelPolling]),
        // Ended: start again (via consent) or dismiss.
        Transition(from: .finished(complete1), event: .recordTapped, to: .awaitingConsent, effects: []),
        Transition(from: .failed(transport), event: .recordTapped, to: .awaitingConsent, effects: []),
        Transition(from: .finished(complete1), event: .dismissed, to: .idle, effects: []),
        Transition(from: .failed(transport), event: .dismissed, to: .idle, effects: []),
        // Resume after a restart.
        Transition(from: .idle, event: .resumed(active1), to: .recording(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: .idle, event: .resumed(ending1), to: .stopping(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: .awaitingConsent, event: .resumed(active1), to: .recording(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: .awaitingConsent, event: .resumed(ending1), to: .stopping(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: .finished(complete1), event: .resumed(active1), to: .recording(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: .finished(complete1), event: .resumed(ending1), to: .stopping(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: .failed(transport), event: .resumed(active1), to: .recording(egressId: "EG_1", since: t0), effects: [poll1]),
        Transition(from: .failed(transport), event: .resumed(ending1), to: .stopping(egressId: "EG_1", since: t0), effects: [poll1]),
    ]

    struct Ignored: Sendable, CustomTestStringConvertible {
        var state: RecordingButtonState
        var event: RecordingEvent
        var testDescription: String { "\(Flow.name(state)) ignores \(Flow.name(event))" }
    }

    /// The sample pairs the table does not list.
    static let ignored: [Ignored] = states.flatMap { state in
        events.compactMap { event in
            table.contains { $0.from == state && $0.event == event } ? nil : Ignored(state: state, event: event)
        }
    }

    static func name(_ value: some Any) -> String {
        let text = String(describing: value)
        return text.count > 70 ? String(text.prefix(70)) + "…" : text
    }
}

@Suite("RecordingFlow: the record button's state machine")
struct RecordingFlowTests {
    @Test("legal transitions", arguments: Flow.table)
    func transition(_ row: Transition) {
        var flow = RecordingFlow(state: row.from)
        let effects = flow.handle(row.event)
        #expect(flow.state == row.to)
        #expect(effects == row.effects)
    }

    @Test("every other event is ignored: no change, no effect", arguments: Flow.ignored)
    func ignored(_ pair: Flow.Ignored) {
        var flow = RecordingFlow(state: pair.state)
        let before = flow
        #expect(flow.handle(pair.event).isEmpty)
        #expect(flow == before)
    }

    @Test("the table covers every state and every legal kind of event")
    func tableIsComplete() {
        #expect(Set(Flow.table.map { Flow.name($0.from) }).count == Flow.states.count)
        #expect(Flow.ignored.count == Flow.states.count * Flow.events.count - Flow.table.count)
    }

    @Test("nothing starts without consent")
    func consentGate() {
        var flow = RecordingFlow()
        var effects = flow.handle(.recordTapped)
        effects += flow.handle(.startSucceeded(egressId: "EG_1", since: Flow.t0))
        effects += flow.handle(.consentDeclined)
        effects += flow.handle(.consentGiven)
        #expect(flow.state == .idle)
        #expect(!effects.contains(.startRecording))
    }

    @Test("failed status fetches back off up to the ceiling, and a success resets the wait")
    func pollingBackoff() {
        var flow = RecordingFlow(state: .recording(egressId: "EG_1", since: Flow.t0), polling: PollingPolicy(interval: 2, maxInterval: 10))
        let waits = (0..<4).map { _ in flow.handle(.statusFailed(egressId: "EG_1", Flow.transport)) }
        #expect(waits == [4, 8, 10, 10].map { [RecordingEffect.schedulePoll(egressId: "EG_1", after: $0)] })
        #expect(flow.handle(.statusReceived(Flow.active1)) == [.schedulePoll(egressId: "EG_1", after: 2)])
        #expect(flow.handle(.statusFailed(egressId: "EG_1", Flow.transport)) == [.schedulePoll(egressId: "EG_1", after: 4)])
    }

    @Test("a whole recording, stopped elsewhere")
    func stoppedElsewhere() {
        var flow = RecordingFlow()
        _ = flow.handle(.recordTapped)
        #expect(flow.handle(.consentGiven) == [.startRecording])
        _ = flow.handle(.startSucceeded(egressId: "EG_1", since: Flow.t0))
        #expect(flow.handle(.pollDue(egressId: "EG_1")) == [.fetchStatus(egressId: "EG_1")])
        _ = flow.handle(.statusReceived(Flow.ending1))
        #expect(flow.state == .stopping(egressId: "EG_1", since: Flow.t0))
        _ = flow.handle(.statusReceived(Flow.complete1))
        #expect(flow.state == .finished(Flow.complete1))
        #expect(flow.state.egressId == "EG_1")
    }
}
