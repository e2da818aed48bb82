import CLibEvent
import Foundation
import Synchronization

/// libevent must be told to use pthreads before the first `event_base_new()`, or waking
/// a base from another thread is unsafe (libevent book, "Locks and threading").
/// Calling it again with the same callbacks (HTTPServer does too) is allowed.
private let threadingEnabled: Bool = evthread_use_pthreads() == 0

/// The one libevent `event_base` every `HTTPClient` of the process shares, run by its
/// own thread: outbound calls are few (LiveKit's API), so one thread parses them all
/// without a thread per client. evhttp is only touched on that thread; other threads
/// hand it work with `enqueue`.
final class ClientEventLoop: @unchecked Sendable {
    static let shared = ClientEventLoop(nameservers: nil)

    let base: OpaquePointer
    /// libevent's asynchronous resolver, for the host names connections are opened to.
    /// Without one, libevent calls the system's getaddrinfo on this thread: a slow DNS
    /// server (seconds per attempt) then froze every call to LiveKit, their timeouts
    /// included. nil only if libevent could not make one (then names go to getaddrinfo).
    let resolver: OpaquePointer?
    private var wake: OpaquePointer?
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let loopThread = Mutex<pthread_t?>(nil)

    /// - Parameter nameservers: nil: the system's configuration (/etc/resolv.conf:
    ///   nameservers, search, ndots, timeout, attempts; and /etc/hosts), read once. Tests
    ///   give `host:port` addresses of their own.
    init(nameservers: [String]?) {
        precondition(threadingEnabled, "evthread_use_pthreads failed")
        guard let base = event_base_new() else { fatalError("libevent could not create an event base") }
        self.base = base
        resolver = Self.makeResolver(base, nameservers: nameservers)
        wake = event_new(base, -1, 0, onClientLoopWake, Unmanaged.passUnretained(self).toOpaque())
        let thread = Thread { [self] in
            shim_name_current_thread("http-client")  // Foundation's name does not reach the kernel
            run()
        }
        thread.start()
    }

    private static func makeResolver(_ base: OpaquePointer, nameservers: [String]?) -> OpaquePointer? {
        guard let nameservers else {
            // A missing or empty resolv.conf still yields a resolver (asking 127.0.0.1), as glibc does.
            return evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE)
        }
        guard let resolver = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE) else { return nil }
        for nameserver in nameservers { evdns_base_nameserver_ip_add(resolver, nameserver) }
        return resolver
    }

    private func run() {
        Self.blockProcessSignalsOnThisThread()
        loopThread.withLock { $0 = pthread_self() }
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY)
    }

    /// SIGTERM and SIGINT are ignored by disposition while Dispatch's signal sources wait
    /// for them (HTTPServer): one delivered to this thread would be lost, so it blocks them.
    /// A write to a connection the peer closed raises SIGPIPE on the writing thread; blocked,
    /// it leaves write() failing with EPIPE instead of killing the process.
    private static func blockProcessSignalsOnThisThread() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    var isCurrent: Bool {
        loopThread.withLock { thread in thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Runs `job` on the loop thread soon (after the current callback, when called from it). Safe from any thread.
    func enqueue(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { jobs in
            jobs.append(job)
            // One wake-up per batch: the loop drains everything queued so far.
            if jobs.count == 1, let wake { event_active(wake, EV_TIMEOUT, 0) }
        }
    }

    fileprivate func runQueuedJobs() {
        let batch = jobs.withLock { jobs in
            defer { jobs = [] }
            return jobs
        }
        batch.forEach { $0() }
    }
}

private func onClientLoopWake(_ socket: Int32, _ events: Int16, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    Unmanaged<ClientEventLoop>.fromOpaque(argument).takeUnretainedValue().runQueuedJobs()
}
