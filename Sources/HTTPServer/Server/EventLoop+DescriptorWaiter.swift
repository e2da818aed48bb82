import CLibEvent
import DescriptorWaiting
import Synchronization

/// Readiness waits for other code's sockets (PostgreSQL reads started by a handler on this
/// loop): the task suspends, this loop's epoll watches the socket, and the task resumes on
/// the loop. No thread is blocked and none is switched to.
extension EventLoop: DescriptorWaiter {
    func wait(for descriptor: Int32, to readiness: DescriptorReadiness, timeout: Duration) async -> DescriptorWaitOutcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<DescriptorWaitOutcome, Never>) in
            let wait = DescriptorWait(loop: self, continuation: continuation)
            let what = Int16(readiness == .readable ? EV_READ : EV_WRITE)
            let watching = descriptorWaits.withLock { waits in
                guard !waits.closed, let event = event_new(base, descriptor, what, onDescriptorReady, wait.opaque) else { return false }
                var limit = timeval(duration: timeout)
                // A refused epoll_ctl (a closed descriptor) arms no timeout either: the wait
                // would otherwise last until the loop stops.
                guard event_add(event, &limit) == 0 else {
                    event_free(event)
                    return false
                }
                wait.event = event
                waits.pending[ObjectIdentifier(wait)] = wait
                return true
            }
            if !watching { continuation.resume(returning: .notWatched) }
        }
    }

    /// Loop thread: the socket is ready or the wait timed out.
    fileprivate func finish(_ wait: DescriptorWait, _ outcome: DescriptorWaitOutcome) {
        let waiting = descriptorWaits.withLock { waits -> Bool in
            guard waits.pending.removeValue(forKey: ObjectIdentifier(wait)) != nil else { return false }
            // A one-shot event may be freed from its own callback.
            if let event = wait.event { event_free(event) }
            return true
        }
        if waiting { wait.continuation.resume(returning: outcome) }
    }

    /// Once the loop has stopped (before its base is freed): every wait ends `.notWatched`,
    /// and later ones at once.
    func abandonDescriptorWaits() {
        let abandoned = descriptorWaits.withLock { waits -> [DescriptorWait] in
            waits.closed = true
            defer { waits.pending = [:] }
            for wait in waits.pending.values { if let event = wait.event { event_free(event) } }
            return Array(waits.pending.values)
        }
        abandoned.forEach { $0.continuation.resume(returning: .notWatched) }
    }
}

struct DescriptorWaits: ~Copyable {
    var pending: [ObjectIdentifier: DescriptorWait] = [:]
    var closed = false
}

/// One wait: its libevent event and the task waiting. `@unchecked Sendable`: `event` is
/// written once under the loop's `descriptorWaits` lock before the event can fire.
final class DescriptorWait: @unchecked Sendable {
    unowned let loop: EventLoop
    let continuation: CheckedContinuation<DescriptorWaitOutcome, Never>
    var event: OpaquePointer?

    init(loop: EventLoop, continuation: CheckedContinuation<DescriptorWaitOutcome, Never>) {
        self.loop = loop
        self.continuation = continuation
    }

    /// The callback's argument; the loop's `pending` table keeps the wait alive meanwhile.
    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
}

private func onDescriptorReady(_ socket: Int32, _ events: Int16, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    let wait = Unmanaged<DescriptorWait>.fromOpaque(argument).takeUnretainedValue()
    wait.loop.finish(wait, events & Int16(EV_TIMEOUT) == 0 ? .ready : .timedOut)
}
