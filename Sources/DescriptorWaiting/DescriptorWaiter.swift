#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets code that owns a non-blocking socket (libpq's, for one) wait for it on the event loop
/// that runs the current thread, instead of blocking a thread or hopping to another one.
/// An event loop installs itself on its thread (`installOnCurrentThread`); a caller asks
/// `DescriptorWaiters.current` and, when there is one, awaits readiness through it.
public protocol DescriptorWaiter: AnyObject, Sendable {
    /// Suspends until `descriptor` is ready for `readiness`, `timeout` passed or the loop
    /// could not watch it. Anything but `.ready` leaves the caller's protocol state unknown:
    /// it must give the descriptor up.
    func wait(for descriptor: Int32, to readiness: DescriptorReadiness, timeout: Duration) async -> DescriptorWaitOutcome
}

public enum DescriptorReadiness: Sendable {
    case readable, writable
}

public enum DescriptorWaitOutcome: Sendable, Equatable {
    case ready
    case timedOut
    /// The loop has stopped (shutdown) or the kernel refused to watch the descriptor.
    case notWatched
}

public enum DescriptorWaiters {
    /// The waiter of the event loop running this thread; nil on any other thread.
    public static var current: (any DescriptorWaiter)? {
        guard let pointer = pthread_getspecific(threadKey) else { return nil }
        return Unmanaged<WaiterBox>.fromOpaque(pointer).takeUnretainedValue().waiter
    }

    /// Makes `waiter` this thread's `current` until the thread ends.
    public static func installOnCurrentThread(_ waiter: any DescriptorWaiter) {
        if let previous = pthread_getspecific(threadKey) { Unmanaged<WaiterBox>.fromOpaque(previous).release() }
        pthread_setspecific(threadKey, Unmanaged.passRetained(WaiterBox(waiter)).toOpaque())
    }
}

private final class WaiterBox {
    let waiter: any DescriptorWaiter
    init(_ waiter: any DescriptorWaiter) { self.waiter = waiter }
}

/// One key for the process; the destructor drops a finished thread's box.
private let threadKey: pthread_key_t = {
    var key = pthread_key_t()
    let status = pthread_key_create(&key) { pointer in
        guard let pointer else { return }
        Unmanaged<WaiterBox>.fromOpaque(pointer).release()
    }
    precondition(status == 0, "pthread_key_create failed (\(status))")
    return key
}()
