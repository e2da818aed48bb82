import DescriptorWaiting
import Dispatch
import Synchronization

/// The PostgreSQL side of `SQLDatabase`: a small pool of libpq connections. Each slot
/// has its own serial queue, so libpq's blocking calls run on a thread of their own and
/// never on Swift concurrency's cooperative pool. Connections open lazily; one the server
/// closed while it was idle (a restart) is replaced before use. A connection lost during
/// work fails that work (a write may have committed: it is not run twice), except a
/// `read`, which changes nothing and is tried once more on a fresh connection.
///
/// Reads (`read(_:_:_:)`) started on an event loop's thread (a request handler) take a
/// second path: a few non-blocking connections per loop, answered on the loop itself (a
/// brief wait in place, then the loop's epoll), so a status or list read costs no thread
/// switch (the two switches to a slot's thread and back were a third of a status request's
/// CPU; bench/README.md). Writes and transactions keep to the slots.
final class PostgresDatabase: SQLDatabase {
    let dialect = SQLDialect.postgres
    private let url: String
    private let redactedURL: String
    private let slots: Mutex<SlotState>
    /// Non-blocking connections by the event loop (`DescriptorWaiter`) that uses them.
    private let loopConnections = Mutex<[ObjectIdentifier: LoopConnections]>([:])
    /// Per loop: a loop with more reads in flight sends the extra ones to the slots.
    static let connectionsPerLoop = 4
    /// A read on a loop waits this long for PostgreSQL, then fails and its connection is dropped.
    let loopReadTimeout: Duration

    init(url: String, redactedURL: String, poolSize: Int, loopReadTimeout: Duration = .seconds(30)) {
        precondition(poolSize > 0, "a connection pool needs at least one connection")
        self.loopReadTimeout = loopReadTimeout
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

    func read<T: Sendable>(_ sql: String, _ parameters: [SQLValue], _ body: @Sendable @escaping (any SQLRows) throws -> T) async throws -> T {
        if let waiter = DescriptorWaiters.current, let connection = try await checkOutLoopConnection(for: waiter) {
            do {
                defer { checkIn(connection, for: waiter) }
                return try await connection.read(sql, parameters, waitingWith: waiter, timeout: loopReadTimeout, body)
            } catch DatabaseFailure.connectionLost where !connection.isAbandoned {
                // A connection PostgreSQL closed (a restart): once more through a slot, which
                // reconnects. Not after no answer in time: another try would wait as long again.
                return try await readOnReadConnection(sql, parameters, body)
            }
        }
        do {
            return try await readOnReadConnection(sql, parameters, body)
        } catch DatabaseFailure.connectionLost {
            return try await readOnReadConnection(sql, parameters, body)
        }
    }

    /// A free connection of `waiter`'s loop, a new one while the loop has fewer than
    /// `connectionsPerLoop`, else nil (the caller uses a slot).
    private func checkOutLoopConnection(for waiter: any DescriptorWaiter) async throws -> PostgresConnection? {
        let loop = ObjectIdentifier(waiter)
        let taken: LoopCheckOut = loopConnections.withLock { all in
            var connections = all[loop, default: LoopConnections()]
            defer { all[loop] = connections }
            if let free = connections.free.popLast() { return .free(free) }
            guard connections.opened < Self.connectionsPerLoop else { return .none }
            connections.opened += 1
            return .open
        }
        switch taken {
        case .free(let connection): return connection
        case .none: return nil
        case .open: break
        }
        do {
            return try await openNonBlocking()
        } catch {
            loopConnections.withLock { $0[loop]?.opened -= 1 }
            throw error
        }
    }

    private func checkIn(_ connection: PostgresConnection, for waiter: any DescriptorWaiter) {
        let loop = ObjectIdentifier(waiter)
        loopConnections.withLock { all in
            if connection.isHealthy { all[loop]?.free.append(connection) } else { all[loop]?.opened -= 1 }
        }
    }

    /// libpq connects blocking: on a thread of the global pool, never on the loop.
    private func openNonBlocking() async throws -> PostgresConnection {
        let url = url
        let redactedURL = redactedURL
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let connection = try PostgresConnection(url: url, redactedURL: redactedURL)
                    try connection.makeNonBlocking()
                    return connection
                })
            }
        }
    }

    /// Non-blocking connections open for event loops, idle or in use (tests).
    var loopConnectionsOpened: Int { loopConnections.withLock { $0.values.reduce(0) { $0 + $1.opened } } }

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

private struct LoopConnections {
    var free: [PostgresConnection] = []
    /// Free and checked out.
    var opened = 0
}

private enum LoopCheckOut {
    case free(PostgresConnection)
    case open
    case none
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

    /// Runs `body` once. A connection the server closed while it sat in the pool (a
    /// restart) is replaced before `body` sees it; one lost while `body` runs fails the call:
    /// its writes may or may not have committed, and running them again could do them twice.
    func run<T>(_ body: (any SQLConnection) throws -> T, url: String, redactedURL: String) throws -> T {
        if let connection, !connection.isUsableAfterIdling { self.connection = nil }
        do {
            return try body(try open(url: url, redactedURL: redactedURL))
        } catch DatabaseFailure.connectionLost(let message) {
            connection = nil
            throw DatabaseFailure.connectionLost(message)
        }
    }

    private func open(url: String, redactedURL: String) throws -> PostgresConnection {
        if let connection { return connection }
        let opened = try PostgresConnection(url: url, redactedURL: redactedURL)
        connection = opened
        return opened
    }
}
