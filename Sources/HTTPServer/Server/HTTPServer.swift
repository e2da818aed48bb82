import Foundation
import Logging
import Synchronization

/// An HTTP/1.1 server on libevent's evhttp: several event loops share the port. A request
/// that `responder.immediateResponse(to:)` answers (constants such as `/health`, the
/// router's 404/405) is answered inline on its loop; any other is answered by
/// `responder.respond(to:)` in a Swift task started on the loop's thread, and the reply
/// goes back to the loop. Either way the response gets `X-Request-Id`, one access log line
/// and the `onResponse` observer.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 3000), responder: router, logger: logger)
/// try server.start()
/// server.installShutdownSignalHandlers()
/// await server.run()   // returns after SIGTERM/SIGINT and a graceful shutdown
/// ```
public final class HTTPServer: @unchecked Sendable {
    private enum Phase {
        case created, running, stopping, stopped
    }

    private struct State {
        var phase = Phase.created
        var port = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let context: ServerContext
    private let state = Mutex(State())
    private let loops = Mutex<[EventLoop]>([])
    /// Kept alive for the process; written only by `installShutdownSignalHandlers()`.
    private var signalSources: [any DispatchSourceSignal] = []

    /// `onResponse` sees every request with its response and duration (for metrics),
    /// on a task, after the response is final and before it is written.
    public init(
        configuration: HTTPServerConfiguration,
        responder: some HTTPResponder,
        logger: Logger,
        onResponse: (@Sendable (Request, Response, Duration) -> Void)? = nil
    ) {
        context = ServerContext(configuration: configuration, responder: responder, logger: logger, onResponse: onResponse)
    }

    /// The port listened on (the kernel's pick when configured with 0); 0 before `start()`.
    public var port: Int { state.withLock { $0.port } }

    /// Requests handed to the responder and not yet written or abandoned.
    var requestsInFlight: Int { loops.withLock { $0 }.reduce(0) { $0 + $1.requestsInFlight } }

    /// Per-request objects still alive (tests look for leaks).
    var exchangesAlive: Int { loops.withLock { $0 }.reduce(0) { $0 + $1.exchangesAlive } }

    /// Binds every event loop and starts serving. Throws `HTTPServerError` naming host:port.
    public func start() throws {
        try state.withLock { state in
            guard state.phase == .created else { throw HTTPServerError.alreadyStarted }
            state.phase = .running
        }
        // A client that disconnects mid-write must cost an EPIPE, not the process.
        signal(SIGPIPE, SIG_IGN)
        LibeventLog.route(to: context.logger)
        let configuration = context.configuration
        var address = try ListenAddress.resolve(host: configuration.host, port: configuration.port)
        address.port = try address.reserveExclusively(host: configuration.host)
        var started: [EventLoop] = []
        for _ in 0..<configuration.eventLoopCount {
            let loop = try EventLoop(context: context)
            address.port = try loop.bind(address, host: configuration.host)
            started.append(loop)
        }
        for (index, loop) in started.enumerated() { loop.startThread(name: "http-loop-\(index)") }
        loops.withLock { $0 = started }
        state.withLock { $0.port = address.port }
        context.logger.notice("listening", ["host": configuration.host, "port": String(address.port), "event_loops": String(started.count)])
    }

    /// Returns once the server has shut down.
    public func run() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let stopped = state.withLock { state in
                if state.phase != .stopped { state.waiters.append(continuation) }
                return state.phase == .stopped
            }
            if stopped { continuation.resume() }
        }
    }

    /// Stops accepting connections, lets requests in flight finish for up to the grace
    /// period, then closes every connection. Concurrent callers all wait for the end.
    public func shutdown() async {
        let previous = state.withLock { state in
            defer { if state.phase == .running || state.phase == .created { state.phase = .stopping } }
            return state.phase
        }
        switch previous {
        case .created: return markStopped()
        case .stopping, .stopped: return await run()
        case .running: break
        }
        let loops = self.loops.withLock { $0 }
        for loop in loops { await loop.perform { loop.stopAccepting() } }
        context.logger.notice("shutting down: no new connections; waiting for requests in flight")
        await waitForRequestsInFlight(loops)
        for loop in loops { loop.enqueue { loop.close() } }
        for loop in loops { await loop.waitUntilStopped() }
        context.logger.notice("stopped")
        markStopped()
    }

    private func waitForRequestsInFlight(_ loops: [EventLoop]) async {
        let deadline = ContinuousClock.now + context.configuration.shutdownGracePeriod
        while loops.contains(where: { $0.requestsInFlight > 0 }) {
            guard ContinuousClock.now < deadline else {
                let remaining = loops.reduce(0) { $0 + $1.requestsInFlight }
                context.logger.warning("grace period over; closing connections", ["requests_in_flight": String(remaining)])
                return
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private func markStopped() {
        let waiters = state.withLock { state in
            state.phase = .stopped
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// SIGTERM (orchestrators) and SIGINT (Ctrl-C) start a graceful shutdown; `run()`
    /// then returns and the executable can exit 0. Call once, from the main thread,
    /// before `start()`.
    public func installShutdownSignalHandlers() {
        Self.blockShutdownSignalsOnThisThread()
        let sources = [SIGTERM, SIGINT].map { number in
            // The default action would kill the process before the handler runs.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.context.logger.notice("signal received", ["signal": number == SIGTERM ? "SIGTERM" : "SIGINT"])
                Task { await self.shutdown() }
            }
            source.resume()
            return source
        }
        signalSources += sources
    }

    /// The kernel hands a process-directed signal to any thread that does not block it.
    /// With the disposition SIG_IGN (which Dispatch's signal sources need), a SIGTERM
    /// landing on an event-loop thread that left it unblocked was discarded, and the
    /// server never shut down (seen by the benchmark, right after start-up). Threads that
    /// block it leave it pending for Dispatch's signal source to collect.
    static func blockShutdownSignalsOnThisThread() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }
}
