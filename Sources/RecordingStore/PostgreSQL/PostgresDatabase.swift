import Dispatch
import Synchronization

/// The PostgreSQL side of `SQLDatabase`: a small pool of libpq connections. Each slot
/// has its own serial queue, so libpq's blocking calls run on a thread of their own and
/// never on Swift concurrency's cooperative pool. Connections open lazily and are
/// replaced transparently when the server went away: work that failed because the
/// connection broke runs once more on a fresh one.
final class PostgresDatabase: SQLDatabase {
    let dialect = SQLDialect.postgres
    private let url: String
    private let redactedURL: String
    private let slots: Mutex<SlotState>

    init(url: String, redactedURL: String, poolSize: Int) {
        precondition(poolSize > 0, "a connection pool needs at least one connection")
        self.url = url
        self.redactedURL = redactedURL
        let free = (0..<poolSize).map { PoolSlot(label: "recording-store.postgres.\($0)") }
        slots = Mutex(SlotState(free: free, waiters: []))
    }

    func withConnection<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        let slot = await checkOut()
        defer { checkIn(slot) }
        let url = url
        let redactedURL = redactedURL
        return try await withCheckedThrowingContinuation { continuation in
            slot.queue.async {
                continuation.resume(with: Result { try slot.run(body, url: url, redactedURL: redactedURL) })
            }
        }
    }

    private func checkOut() async -> PoolSlot {
        // A free slot is taken without suspending: a continuation resumed at once still
        // re-enqueues the task on its executor, one more turn of the event loop per call.
        if let slot = slots.withLock({ $0.free.popLast() }) { return slot }
        return await withCheckedContinuation { (continuation: CheckedContinuation<PoolSlot, Never>) in
            let slot: PoolSlot? = slots.withLock { state in
                if let slot = state.free.popLast() { return slot }
                state.waiters.append(continuation)
                return nil
            }
            if let slot { continuation.resume(returning: slot) }
        }
    }

    private func checkIn(_ slot: PoolSlot) {
        let waiter: CheckedContinuation<PoolSlot, Never>? = slots.withLock { state in
            if state.waiters.isEmpty {
                state.free.append(slot)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: slot)
    }
}

private struct SlotState: ~Copyable {
    var free: [PoolSlot]
    var waiters: [CheckedContinuation<PoolSlot, Never>]
}

/// One pooled connection and the queue it is used on. `@unchecked Sendable`: `connection`
/// is only read or replaced on `queue`, by the one task that checked the slot out.
private final class PoolSlot: @unchecked Sendable {
    let queue: DispatchQueue
    private var connection: PostgresConnection?

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func run<T>(_ body: (any SQLConnection) throws -> T, url: String, redactedURL: String) throws -> T {
        let reused = connection != nil && connection!.isHealthy
        if !reused { connection = nil }
        do {
            return try body(try open(url: url, redactedURL: redactedURL))
        } catch DatabaseFailure.connectionLost(let message) {
            connection = nil
            // A fresh connection failing again is a real outage, not a stale socket.
            guard reused else { throw DatabaseFailure.connectionLost(message) }
            return try body(try open(url: url, redactedURL: redactedURL))
        }
    }

    private func open(url: String, redactedURL: String) throws -> PostgresConnection {
        if let connection { return connection }
        let opened = try PostgresConnection(url: url, redactedURL: redactedURL)
        connection = opened
        return opened
    }
}
