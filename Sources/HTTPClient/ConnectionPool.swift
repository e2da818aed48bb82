import CLibEvent
import Foundation

/// The evhttp connections of one `HTTPClient`, on the loop thread only: at most
/// `maximumConnections` open, idle ones reused (keep-alive), requests beyond the bound
/// waiting in order. evhttp reconnects a connection the server closed on its next request.
final class ConnectionPool: @unchecked Sendable {
    private struct Idle {
        let connection: OpaquePointer
        let since: ContinuousClock.Instant
    }

    let loop: ClientEventLoop
    let host: String
    let port: Int
    let hostHeader: String
    let configuration: HTTPClient.Configuration
    private var idle: [Idle] = []
    private var open = 0
    var openConnections: Int { open }
    private var waiting: [Exchange] = []
    private var closed = false

    init(loop: ClientEventLoop, host: String, port: Int, hostHeader: String, configuration: HTTPClient.Configuration) {
        self.loop = loop
        self.host = host
        self.port = port
        self.hostHeader = hostHeader
        self.configuration = configuration
    }

    func submit(_ exchange: Exchange) {
        guard exchange.begin() else { return }
        guard !closed else { return exchange.finish(.failure(HTTPClientError(.shutdown, "the HTTP client was released"))) }
        guard let connection = checkOut() else { return waiting.append(exchange) }
        exchange.send(on: connection)
    }

    /// An idle connection (the most recently used, whose server is least likely to have
    /// closed it), a new one while under the bound, or nil: then the request waits.
    private func checkOut() -> OpaquePointer? {
        let now = ContinuousClock.now
        while let last = idle.popLast() {
            if now - last.since < configuration.idleTimeout { return last.connection }
            discard(last.connection)
        }
        guard open < configuration.maximumConnections, let connection = newConnection() else { return nil }
        open += 1
        return connection
    }

    private func newConnection() -> OpaquePointer? {
        // The name is resolved (again) at each connect, by the loop's asynchronous resolver.
        guard let connection = evhttp_connection_base_new(loop.base, loop.resolver, host, UInt16(port)) else { return nil }
        var timeout = timeval(configuration.connectTimeout)
        evhttp_connection_set_timeout_tv(connection, &timeout)
        // A failed connect fails the request at once; the caller decides whether to retry.
        evhttp_connection_set_retries(connection, 0)
        evhttp_connection_set_max_body_size(connection, configuration.maximumBodyBytes)
        evhttp_connection_set_max_headers_size(connection, 64 << 10)
        return connection
    }

    /// Once a request on `connection` is over: on a later turn of the loop, never inside
    /// evhttp's own callback, where freeing the connection would pull it from under libevent.
    func checkInSoon(_ connection: OpaquePointer) {
        let handle = LoopOwned(connection)
        loop.enqueue { [self] in checkIn(handle.pointer) }
    }

    private func checkIn(_ connection: OpaquePointer) {
        if closed { return discard(connection) }
        if !waiting.isEmpty {
            let next = waiting.removeFirst()
            return next.send(on: connection)
        }
        idle.append(Idle(connection: connection, since: .now))
    }

    /// A waiting request that was cancelled or timed out before it got a connection.
    func withdraw(_ exchange: Exchange) -> Bool {
        guard let index = waiting.firstIndex(where: { $0 === exchange }) else { return false }
        waiting.remove(at: index)
        return true
    }

    private func discard(_ connection: OpaquePointer) {
        evhttp_connection_free(connection)
        open -= 1
    }

    /// The client is gone: idle connections close now, busy ones when their request ends.
    func close() {
        closed = true
        idle.forEach { discard($0.connection) }
        idle = []
        let stranded = waiting
        waiting = []
        stranded.forEach { $0.finish(.failure(HTTPClientError(.shutdown, "the HTTP client was released"))) }
    }
}

/// An evhttp pointer carried from one loop job to the next; only the loop thread uses it.
struct LoopOwned: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
