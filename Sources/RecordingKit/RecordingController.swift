import Foundation
#if canImport(Observation)
import Observation
#endif
import RecordingModels

/// The record button of one room: drives a `RecordingFlow` with the app's taps and
/// the Recording API's answers, and publishes the state two ways: as an `Observable`
/// property (SwiftUI, where the Observation module exists) and as an `AsyncStream`
/// (`states`) for everyone else, Linux included.
///
/// - Nothing is recorded before `confirmConsent()`; `declineConsent()` goes back to idle.
/// - While recording it polls the status (backoff on failures), so a recording stopped
///   by another participant ends here too (`finished`), and a failed egress shows `failed`.
/// - If the room is already being recorded when the user starts, it follows that
///   recording instead of failing: the button's question is "is this call recorded?".
/// - `resume()` picks up the room's active recording after an app restart.
@MainActor
public final class RecordingController {
    public let roomName: String
    public var layout: RecordingLayout?
    public var options: StartOptions

    private let client: RecordingClient
    private let sleep: @Sendable (TimeInterval) async throws -> Void
    private var flow: RecordingFlow
    private var storedLastError: RecordingError?
    private var pollTask: Task<Void, Never>?
    private var subscribers: [UUID: AsyncStream<RecordingButtonState>.Continuation] = [:]
    /// An `ObservationRegistrar` where the OS has one (iOS 17, macOS 14); typed `Any`
    /// so the class itself still runs on iOS 15 / macOS 12.
    private let registrar: (any Sendable)?

    /// - Parameter sleep: how to wait between status polls; injectable for tests.
    public init(
        client: RecordingClient,
        roomName: String,
        layout: RecordingLayout? = nil,
        options: StartOptions = StartOptions(),
        polling: PollingPolicy = PollingPolicy(),
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = RetryPolicy.taskSleep
    ) {
        self.client = client
        self.roomName = roomName
        self.layout = layout
        self.options = options
        self.sleep = sleep
        self.flow = RecordingFlow(polling: polling)
        #if canImport(Observation)
        if #available(iOS 17, macOS 14, tvOS 17, watchOS 10, *) {
            registrar = ObservationRegistrar()
        } else {
            registrar = nil
        }
        #else
        registrar = nil
        #endif
    }

    deinit {
        pollTask?.cancel()
        for continuation in subscribers.values { continuation.finish() }
    }

    /// What the button shows now.
    public var state: RecordingButtonState {
        observeAccess(\.state)
        return flow.state
    }

    /// The last error that did not change the state (e.g. a stop that failed: still recording).
    public var lastError: RecordingError? {
        observeAccess(\.lastError)
        return storedLastError
    }

    /// The states from now on, starting with the current one; ends when the controller goes away.
    public var states: AsyncStream<RecordingButtonState> {
        let (stream, continuation) = AsyncStream.makeStream(of: RecordingButtonState.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        subscribers[id] = continuation
        continuation.yield(flow.state)
        continuation.onTermination = { [weak self] _ in
            Task { @MainActor in self?.subscribers[id] = nil }
        }
        return stream
    }

    // MARK: The user

    /// The record button was tapped: ask for consent first.
    public func requestRecording() { send(.recordTapped) }
    /// Everyone agreed to be recorded: start.
    public func confirmConsent() { send(.consentGiven) }
    public func declineConsent() { send(.consentDeclined) }
    public func stop() { send(.stopTapped) }
    /// Leave `finished` or `failed` for `idle`.
    public func dismiss() { send(.dismissed) }

    /// After an app restart: follow the room's active recording, if there is one.
    public func resume() async {
        let filter = RecordingFilter(roomName: roomName, active: true, limit: 1)
        do {
            let page = try await client.list(filter: filter)
            send(.resumed(page.recordings.first { $0.roomName == roomName && $0.status.isActive }))
        } catch {
            setLastError(error)
        }
    }

    // MARK: The machine

    func send(_ event: RecordingEvent) {
        let before = flow.state
        let effects = flow.handle(event)
        if flow.state != before { publish() }
        for effect in effects { perform(effect) }
    }

    private func perform(_ effect: RecordingEffect) {
        switch effect {
        case .startRecording:
            setLastError(nil)
            run { [client, roomName, layout, options] in
                await Self.start(client: client, roomName: roomName, layout: layout, options: options)
            }
        case .stopRecording(let egressId):
            run { [client] in await Self.stop(client: client, egressId: egressId) }
        case .fetchStatus(let egressId):
            run { [client] in await Self.fetchStatus(client: client, egressId: egressId) }
        case .schedulePoll(let egressId, let delay):
            pollTask?.cancel()
            pollTask = Task { [weak self, sleep] in
                do { try await sleep(delay) } catch { return }
                guard !Task.isCancelled else { return }
                self?.send(.pollDue(egressId: egressId))
            }
        case .cancelPolling:
            pollTask?.cancel()
            pollTask = nil
        case .reportError(let error):
            setLastError(error)
        }
    }

    /// Runs a request off the main actor and feeds its outcome back to the flow.
    private func run(_ operation: @escaping @Sendable () async -> RecordingEvent) {
        Task { [weak self] in
            let event = await operation()
            self?.send(event)
        }
    }

    private nonisolated static func start(
        client: RecordingClient, roomName: String, layout: RecordingLayout?, options: StartOptions
    ) async -> RecordingEvent {
        do {
            let started = try await client.start(roomName: roomName, layout: layout, options: options)
            return .startSucceeded(egressId: started.egressId, since: started.startedAt.date)
        } catch {
            guard case .alreadyRecording(let egressId?, _) = error else { return .startFailed(error) }
            // Someone else is recording this call: the button follows their recording.
            do {
                let existing = try await client.status(egressId: egressId)
                return .startSucceeded(egressId: existing.egressId, since: existing.startedAt.date)
            } catch {
                return .startFailed(error)
            }
        }
    }

    private nonisolated static func stop(client: RecordingClient, egressId: String) async -> RecordingEvent {
        do {
            _ = try await client.stop(egressId: egressId)
            return .stopSucceeded(egressId: egressId)
        } catch {
            return .stopFailed(egressId: egressId, error)
        }
    }

    private nonisolated static func fetchStatus(client: RecordingClient, egressId: String) async -> RecordingEvent {
        do {
            return .statusReceived(try await client.status(egressId: egressId))
        } catch {
            return .statusFailed(egressId: egressId, error)
        }
    }

    private func publish() {
        #if canImport(Observation)
        if #available(iOS 17, macOS 14, tvOS 17, watchOS 10, *), let registrar = registrar as? ObservationRegistrar {
            registrar.withMutation(of: self, keyPath: \.state) {}
        }
        #endif
        for continuation in subscribers.values { continuation.yield(flow.state) }
    }

    private func setLastError(_ error: RecordingError?) {
        guard error != storedLastError else { return }
        #if canImport(Observation)
        if #available(iOS 17, macOS 14, tvOS 17, watchOS 10, *), let registrar = registrar as? ObservationRegistrar {
            registrar.withMutation(of: self, keyPath: \.lastError) { storedLastError = error }
            return
        }
        #endif
        storedLastError = error
    }

    private func observeAccess<Member>(_ keyPath: KeyPath<RecordingController, Member>) {
        #if canImport(Observation)
        if #available(iOS 17, macOS 14, tvOS 17, watchOS 10, *), let registrar = registrar as? ObservationRegistrar {
            registrar.access(self, keyPath: keyPath)
        }
        #endif
    }
}

#if canImport(Observation)
@available(iOS 17, macOS 14, tvOS 17, watchOS 10, *)
extension RecordingController: Observable {}
#endif
