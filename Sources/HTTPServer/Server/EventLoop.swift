import CLibEvent
import DescriptorWaiting
import Foundation
import Logging
import Synchronization

/// libevent must be told to use pthreads before the first `event_base_new()`, or waking
/// a base from another thread is unsafe (libevent book, "Locks and threading").
private let threadingEnabled: Bool = evthread_use_pthreads() == 0

/// What every loop shares: the responder, the logger, limits and the observer.
struct ServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let logger: Logger
    let onResponse: (@Sendable (Request, Response, Duration) -> Void)?
}

/// One libevent `event_base` with its `evhttp`, run by one thread. All evhttp calls
/// happen on that thread; other threads hand it work with `enqueue`.
final class EventLoop: @unchecked Sendable {
    private struct Jobs {
        var pending: [@Sendable () -> Void] = []
        var stopped = false
    }

    private struct Completion {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let context: ServerContext
    let base: OpaquePointer
    let http: OpaquePointer
    private var wake: OpaquePointer?
    /// Fires once accepting may resume after the process ran out of file descriptors.
    private var acceptResume: OpaquePointer?
    private var boundSocket: OpaquePointer?
    private let jobs = Mutex(Jobs())
    private let completion = Mutex(Completion())
    /// Readiness waits in progress (EventLoop+DescriptorWaiter.swift).
    let descriptorWaits = Mutex(DescriptorWaits())
    private let inFlight = Atomic<Int>(0)
    private let loopThread = Mutex<pthread_t?>(nil)
    /// Loop thread only: set once the listener is closed; replies then ask clients to close.
    private(set) var isDraining = false
    /// Loop thread only.
    private var requestIDs = RequestIDGenerator()
    let connectionTimeout: timeval

    init(context: ServerContext) throws {
        precondition(threadingEnabled, "evthread_use_pthreads failed")
        guard let base = Self.makeBase() else { throw HTTPServerError.libevent("create an event base") }
        guard let http = evhttp_new(base) else {
            event_base_free(base)
            throw HTTPServerError.libevent("create an HTTP server")
        }
        self.context = context
        self.base = base
        self.http = http
        self.connectionTimeout = timeval(duration: context.configuration.connectionTimeout)
        configure()
    }

    /// With the changelist, epoll_ctl calls queued during one loop pass are merged and made
    /// once before the next wait: a keep-alive request otherwise costs four (read off, write
    /// on, write off, read on; bench/: 8% of a `/health` request). libevent warns the
    /// changelist is unsafe when a watched fd is dup'd or closed and reused within one pass
    /// behind its back; evhttp closes connections through its own bufferevents, which remove
    /// their events first, and nothing here dups sockets.
    private static func makeBase() -> OpaquePointer? {
        guard let configuration = event_config_new() else { return nil }
        defer { event_config_free(configuration) }
        event_config_set_flag(configuration, Int32(EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        return event_base_new_with_config(configuration)
    }

    private func configure() {
        let configuration = context.configuration
        // Every method reaches the router (405 JSON), none gets libevent's 501 page.
        evhttp_set_allowed_methods(http, shim_evhttp_all_methods())
        evhttp_set_max_body_size(http, Int(configuration.libeventBodyLimit))
        evhttp_set_max_headers_size(http, Int(configuration.libeventHeaderLimit))
        var timeout = connectionTimeout
        evhttp_set_timeout_tv(http, &timeout)
        // No made-up text/html Content-Type on responses that did not set one.
        evhttp_set_default_content_type(http, nil)
        let me = Unmanaged.passUnretained(self).toOpaque()
        evhttp_set_gencb(http, onRequest, me)
        wake = event_new(base, -1, 0, onWake, me)
        acceptResume = event_new(base, -1, 0, onAcceptResume, me)
    }

    /// Listens on `address` with SO_REUSEPORT (so every loop can) and returns the port.
    func bind(_ address: ListenAddress, host: String) throws -> Int {
        let flags = UInt32(LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC)
        let backlog = Int32(context.configuration.listenBacklog)
        let listener = address.withSockaddr { evconnlistener_new_bind(base, nil, nil, flags, backlog, $0, Int32($1)) }
        guard let listener else {
            throw HTTPServerError.cannotBind(host: host, port: address.port, reason: String(cString: strerror(errno)))
        }
        guard let bound = evhttp_bind_listener(http, listener) else {
            evconnlistener_free(listener)
            throw HTTPServerError.libevent("attach the listener")
        }
        boundSocket = bound
        // evhttp made `http` the listener's user data, so the error callback finds us by it.
        loopsByHTTP.withLock { $0[UInt(bitPattern: http)] = Unmanaged.passUnretained(self) }
        evconnlistener_set_error_cb(listener, onAcceptError)
        return ListenAddress.boundPort(of: evconnlistener_get_fd(listener))
    }

    func startThread(name: String) {
        let thread = Thread { [self] in
            // Foundation's `Thread.name` does not reach the kernel on Linux: `top -H`, perf
            // and /proc showed every thread as the process.
            shim_name_current_thread(String(name.prefix(15)))
            runLoop()
        }
        thread.start()
    }

    private func runLoop() {
        HTTPServer.blockShutdownSignalsOnThisThread()
        loopThread.withLock { $0 = pthread_self() }
        DescriptorWaiters.installOnCurrentThread(self)
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY)
        abandonDescriptorWaits()
        // From now on jobs run on their caller's thread: they find their requests gone and
        // only resume waiting tasks.
        let leftovers = jobs.withLock { jobs in
            jobs.stopped = true
            if let wake { event_free(wake) }
            if let acceptResume { event_free(acceptResume) }
            acceptResume = nil
            wake = nil
            defer { jobs.pending = [] }
            return jobs.pending
        }
        event_base_free(base)
        leftovers.forEach { $0() }
        let waiters = completion.withLock { completion in
            completion.finished = true
            defer { completion.waiters = [] }
            return completion.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Whether the caller is this loop's thread (then evhttp may be called directly).
    var isCurrent: Bool {
        loopThread.withLock { thread in thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Runs `job` on the loop thread soon. Safe from any thread.
    func enqueue(_ job: @escaping @Sendable () -> Void) {
        let runNow = jobs.withLock { jobs in
            if jobs.stopped { return true }
            jobs.pending.append(job)
            // One wake-up per batch: the loop drains everything queued so far.
            if jobs.pending.count == 1, let wake { event_active(wake, EV_TIMEOUT, 0) }
            return false
        }
        if runNow { job() }
    }

    /// Runs `job` now when called on the loop thread, else queues it.
    func execute(_ job: @escaping @Sendable () -> Void) {
        if isCurrent { job() } else { enqueue(job) }
    }

    fileprivate func runQueuedJobs() {
        let batch = jobs.withLock { jobs in
            defer { jobs.pending = [] }
            return jobs.pending
        }
        batch.forEach { $0() }
    }

    /// Awaits `job` on the loop thread.
    func perform(_ job: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            enqueue {
                job()
                continuation.resume()
            }
        }
    }

    // MARK: Shutdown (loop thread)

    /// Closes the listening socket: new connections are refused; open ones are served.
    func stopAccepting() {
        loopsByHTTP.withLock { $0[UInt(bitPattern: http)] = nil }
        if let boundSocket { evhttp_del_accept_socket(http, boundSocket) }
        boundSocket = nil
        isDraining = true
    }

    /// Closes every connection (their requests' exchanges learn it through the close
    /// callback) and ends the loop.
    func close() {
        evhttp_free(http)
        event_base_loopbreak(base)
    }

    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = completion.withLock { completion in
                if !completion.finished { completion.waiters.append(continuation) }
                return completion.finished
            }
            if finished { continuation.resume() }
        }
    }

    // MARK: Accept errors (loop thread)

    /// accept() failed (EMFILE/ENFILE: out of file descriptors). libevent 2.1.12 keeps the
    /// listener armed, so the ready backlog spins the loop at full CPU and, without an
    /// error callback, prints a warning per try (hundreds of thousands a second). Pause
    /// accepting briefly instead; connections wait in the kernel's backlog meanwhile.
    fileprivate func acceptFailed(_ listener: OpaquePointer) {
        let reason = String(cString: strerror(errno))
        evconnlistener_disable(listener)
        guard let acceptResume else { return }
        if event_pending(acceptResume, Int16(EV_TIMEOUT), nil) == 0 {
            context.logger.warning("Cannot accept connections (\(reason)); pausing accept for 100 ms")
        }
        var pause = timeval(tv_sec: 0, tv_usec: 100_000)
        event_add(acceptResume, &pause)
    }

    /// The listener may have been closed meanwhile (shutdown): then there is nothing to resume.
    fileprivate func resumeAccepting() {
        guard let boundSocket, let listener = evhttp_bound_socket_get_listener(boundSocket) else { return }
        evconnlistener_enable(listener)
    }

    // MARK: Requests

    var requestsInFlight: Int { inFlight.load(ordering: .acquiring) }
    func requestStarted() { inFlight.add(1, ordering: .releasing) }
    func requestFinished() { inFlight.subtract(1, ordering: .releasing) }

    /// Exchanges alive (tests: none may outlive its request, whatever the client did).
    private let exchanges = Atomic<Int>(0)
    var exchangesAlive: Int { exchanges.load(ordering: .acquiring) }
    func exchangeCreated() { exchanges.add(1, ordering: .relaxed) }
    func exchangeReleased() { exchanges.subtract(1, ordering: .releasing) }

    fileprivate func accept(_ request: UnsafeMutablePointer<evhttp_request>) {
        let arrival = ContinuousClock.now
        let exchange = Exchange(loop: self, request: request)
        exchange.register()
        switch RequestReader.read(request, context: context, ids: &requestIDs) {
        case .rejected(let request, let error):
            exchange.deliver(finalize(.error(error), for: request, since: arrival))
        case .accepted(let request):
            if let response = context.responder.immediateResponse(to: request) {
                return exchange.deliver(finalize(response, for: request, since: arrival))
            }
            let context = self.context
            let answer: @Sendable () async -> Void = {
                let response = await LogContext.$metadata.withValue(["request.id": request.requestId]) {
                    await context.responder.respond(to: request)
                }
                let final = self.finalize(response, for: request, since: arrival)
                self.execute { exchange.deliver(final) }
            }
            spawn(answer)
        }
    }

    /// Starts a task, on this loop's thread when so configured.
    func spawn(_ operation: @escaping @Sendable () async -> Void) {
        if context.configuration.runsHandlersOnEventLoop, #available(macOS 15, iOS 18, *) {
            Task(executorPreference: self, operation: operation)
        } else {
            Task(operation: operation)
        }
    }

    /// A request whose declared body libevent did not read.
    static func leavesBodyUnread(_ request: Request) -> Bool {
        switch request.method {
        case "HEAD", "TRACE", "CONNECT": break
        default: return false
        }
        if request.headers["Transfer-Encoding"] != nil { return true }
        return request.headers["Content-Length"].map { $0.trimmingCharacters(in: .whitespaces) != "0" } ?? false
    }

    /// Stamps the request id, writes the access log line and tells the observer.
    private func finalize(_ response: Response, for request: Request, since arrival: ContinuousClock.Instant) -> Response {
        var response = response
        response.headers.replaceOrAdd(name: "X-Request-Id", value: request.requestId)
        if Self.leavesBodyUnread(request) {
            // libevent 2.1 reads no body for HEAD, TRACE or CONNECT (evhttp_method_may_have_body),
            // so a body sent with one stays in the buffer and is parsed as the next request on the
            // connection: a desync (schemathesis: TRACE with a body, then PUT answered 501).
            response.headers.replaceOrAdd(name: "Connection", value: "close")
        }
        let duration = ContinuousClock.now - arrival
        // In key order, so the logger need not sort (copy) them.
        var fields: [LogRecord.Field] = [
            ("duration_ms", duration.millisecondsText),
            ("method", request.method),
            ("remote", request.remoteAddress),
            ("request.id", request.requestId),
            ("route", response.routeTemplate ?? "-"),
            ("status", String(response.status)),
        ]
        // Raw paths carry room names and ids: only at debug.
        if context.logger.level <= .debug { fields.insert(("path", request.path), at: 2) }  // after "method"
        // The server's logger with the id among the fields: the same line as through
        // `request.logger`, without a logger copy or a dictionary per request.
        context.logger.log(.info, "request", fields: fields)
        context.onResponse?(request, response, duration)
        return response
    }
}

/// Handlers run on the loop thread that read their request unless they hop to an actor:
/// a request then costs no thread switch (on a busy two-core machine each switch waits for
/// a time slice), at the price that a handler must not block.
@available(macOS 15, iOS 18, *)
extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let stopped = jobs.withLock { $0.stopped }
        guard !stopped else {
            // The loop is gone; let the task finish on the global pool.
            return DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
        enqueue { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

// MARK: C callbacks (nonisolated free functions: libevent calls them on the loop thread)

private func onRequest(_ request: UnsafeMutablePointer<evhttp_request>?, _ argument: UnsafeMutableRawPointer?) {
    guard let request, let argument else { return }
    Unmanaged<EventLoop>.fromOpaque(argument).takeUnretainedValue().accept(request)
}

/// Loops by their `evhttp`, for the listener's error callback (whose argument is the evhttp).
private let loopsByHTTP = Mutex<[UInt: Unmanaged<EventLoop>]>([:])

private func onAcceptError(_ listener: OpaquePointer?, _ argument: UnsafeMutableRawPointer?) {
    guard let listener, let argument else { return }
    let loop = loopsByHTTP.withLock { $0[UInt(bitPattern: argument)] }
    guard let loop else {
        evconnlistener_disable(listener)
        return
    }
    loop.takeUnretainedValue().acceptFailed(listener)
}

private func onAcceptResume(_ socket: Int32, _ events: Int16, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    Unmanaged<EventLoop>.fromOpaque(argument).takeUnretainedValue().resumeAccepting()
}

private func onWake(_ socket: Int32, _ events: Int16, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    Unmanaged<EventLoop>.fromOpaque(argument).takeUnretainedValue().runQueuedJobs()
}

extension timeval {
    init(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

extension Duration {
    /// Milliseconds with three decimals (`12.345`), without `String(format:)`'s cost: the
    /// digits written straight into the string (concatenating four strings was ~0.1 µs a
    /// request).
    var millisecondsText: String {
        let (seconds, attoseconds) = components
        let microseconds = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        var digitCount = 4  // at least `0.000`
        var rest = microseconds / 10_000
        while rest > 0 {
            digitCount += 1
            rest /= 10
        }
        return String(unsafeUninitializedCapacity: digitCount + 1) { text in
            var remaining = microseconds
            for index in (0...digitCount).reversed() {
                if index == digitCount - 3 {
                    text[index] = UInt8(ascii: ".")
                    continue
                }
                text[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            }
            return digitCount + 1
        }
    }
}
