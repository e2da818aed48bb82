import CLibEvent
import Foundation

/// One request from the call to its answer. After `execute` hands it over, only the
/// loop thread touches it; evhttp holds it (retained) as its callbacks' argument.
///
/// libevent 2.1.12 ends an outgoing request in one of three ways (http.c):
/// - the answer: the request callback with the response;
/// - a failure after connecting (timeout, EOF, bad answer), and a name that does not
///   resolve: the error callback with the reason, then the request callback with NULL;
/// - a refused or timed-out connect: the request callback with the request and response
///   code 0, and no error callback.
/// `evhttp_cancel_request` (our timeout or cancellation) calls only the error callback.
final class Exchange: @unchecked Sendable {
    private enum State {
        case created, waiting, sending(connection: OpaquePointer, request: UnsafeMutablePointer<evhttp_request>), finished
    }

    private let request: HTTPClientRequest
    private let pool: ConnectionPool
    var continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>?
    private var state = State.created
    private var deadline: OpaquePointer?
    private var cancelled = false
    /// Why we cancelled the evhttp request: the answer to give when its error callback comes.
    private var cancelReason: HTTPClientError?
    /// The reason libevent gave in the error callback, for the request callback that follows.
    private var libeventError: evhttp_request_error?
    private var sentAt = ContinuousClock.now

    init(request: HTTPClientRequest, pool: ConnectionPool) {
        self.request = request
        self.pool = pool
    }

    private var me: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    // MARK: From the pool

    /// Starts the whole-request clock; called on the loop thread by `submit` before anything waits.
    private func armDeadline() {
        guard deadline == nil else { return }
        guard let timer = event_new(pool.loop.base, -1, 0, onExchangeDeadline, me) else { return }
        deadline = timer
        var timeout = timeval(pool.configuration.requestTimeout)
        event_add(timer, &timeout)
        // The timer holds us until `finish` deletes it.
        _ = Unmanaged.passRetained(self)
    }

    func send(on connection: OpaquePointer) {
        if case .finished = state { return pool.checkInSoon(connection) }
        guard let evRequest = evhttp_request_new(onExchangeResponse, me) else {
            pool.checkInSoon(connection)
            return finish(.failure(HTTPClientError(.transport, "libevent could not create a request")))
        }
        evhttp_request_set_error_cb(evRequest, onExchangeError)
        let headers = evhttp_request_get_output_headers(evRequest)
        evhttp_add_header(headers, "Host", pool.hostHeader)
        for (name, value) in request.headers { evhttp_add_header(headers, name, value) }
        if !request.body.isEmpty {
            _ = request.body.withUnsafeBytes { evbuffer_add(evhttp_request_get_output_buffer(evRequest), $0.baseAddress, $0.count) }
        }
        state = .sending(connection: connection, request: evRequest)
        sentAt = .now
        // Held by evhttp until its last callback.
        _ = Unmanaged.passRetained(self)
        // The callbacks may run before this returns (a refused or unresolvable connect).
        if evhttp_make_request(connection, evRequest, request.method.evhttp, request.path) != 0 {
            Unmanaged.passUnretained(self).release()
            evhttp_request_free(evRequest)
            state = .created
            pool.checkInSoon(connection)
            finish(.failure(HTTPClientError(.transport, "libevent could not send the request to \(pool.host):\(pool.port)")))
        }
    }

    /// Called by `ConnectionPool.submit` on the loop thread: false when the caller already
    /// cancelled (then it has its answer). Starts the whole-request clock.
    func begin() -> Bool {
        if cancelled {
            finish(.failure(HTTPClientError(.cancelled, "the request was cancelled")))
            return false
        }
        armDeadline()
        state = .waiting
        return true
    }

    /// Loop thread. Cancellation before the request reached the loop is noted and honoured by `submit`.
    func cancel() {
        cancelled = true
        abandon(HTTPClientError(.cancelled, "the request was cancelled"))
    }

    fileprivate func deadlinePassed() {
        abandon(HTTPClientError(.timedOut, "no whole answer from \(pool.host):\(pool.port) within \(pool.configuration.requestTimeout)"))
    }

    private func abandon(_ error: HTTPClientError) {
        switch state {
        case .created, .finished:
            return
        case .waiting:
            if pool.withdraw(self) { finish(.failure(error)) }
        case .sending(_, let evRequest):
            cancelReason = error
            // Only the error callback runs (EVREQ_HTTP_REQUEST_CANCEL); it finishes us.
            evhttp_cancel_request(evRequest)
        }
    }

    // MARK: libevent callbacks (loop thread)

    fileprivate func failed(_ error: evhttp_request_error) {
        guard error == EVREQ_HTTP_REQUEST_CANCEL else {
            libeventError = error
            return
        }
        // A cancel calls no request callback: this is evhttp's last word on the request.
        // Checked in before the caller resumes, so its next request finds the connection idle.
        if let connection = releaseConnection() { pool.checkInSoon(connection) }
        finish(.failure(cancelReason ?? HTTPClientError(.cancelled, "the request was cancelled")))
        Unmanaged.passUnretained(self).release()
    }

    fileprivate func answered(_ evRequest: UnsafeMutablePointer<evhttp_request>?) {
        let connection = releaseConnection()
        let result = outcome(evRequest, connection: connection)
        // Checked in before the caller resumes, so its next request finds the connection idle.
        if let connection { pool.checkInSoon(connection) }
        finish(result)
        Unmanaged.passUnretained(self).release()
    }

    private func releaseConnection() -> OpaquePointer? {
        guard case .sending(let connection, _) = state else { return nil }
        state = .created
        return connection
    }

    private func outcome(_ evRequest: UnsafeMutablePointer<evhttp_request>?, connection: OpaquePointer?) -> Result<HTTPClientResponse, HTTPClientError> {
        let peer = "\(pool.host):\(pool.port)"
        if let unresolved = resolverFailure(connection) { return .failure(unresolved) }
        guard let evRequest else { return .failure(failure(afterConnecting: libeventError, peer: peer)) }
        let status = Int(evhttp_request_get_response_code(evRequest))
        guard status != 0 else { return .failure(connectFailure(connection, peer: peer)) }
        let buffer = evhttp_request_get_input_buffer(evRequest)
        let length = evbuffer_get_length(buffer)
        var body = Data(count: length)
        if length > 0 {
            _ = body.withUnsafeMutableBytes { evbuffer_remove(buffer, $0.baseAddress, length) }
        }
        return .success(HTTPClientResponse(status: status, body: body))
    }

    private func failure(afterConnecting error: evhttp_request_error?, peer: String) -> HTTPClientError {
        switch error {
        case EVREQ_HTTP_TIMEOUT:
            return HTTPClientError(.timedOut, "\(peer) was silent for \(pool.configuration.connectTimeout)")
        case EVREQ_HTTP_INVALID_HEADER:
            return HTTPClientError(.invalidResponse, "\(peer) sent an answer that is not HTTP/1.x")
        case EVREQ_HTTP_DATA_TOO_LONG:
            return HTTPClientError(.invalidResponse, "\(peer) sent more than \(pool.configuration.maximumBodyBytes) bytes")
        default:
            return HTTPClientError(.connectionClosed, "\(peer) closed the connection before answering")
        }
    }

    /// The name did not resolve on this connection's last connect (libevent reports it as an
    /// EOF; the bufferevent keeps the resolver's error until the next connect).
    private func resolverFailure(_ connection: OpaquePointer?) -> HTTPClientError? {
        guard let connection, let bufferevent = evhttp_connection_get_bufferevent(connection) else { return nil }
        let dnsError = bufferevent_socket_get_dns_error(bufferevent)
        guard dnsError != 0 else { return nil }
        return HTTPClientError(.hostNotFound, "\(pool.host): \(String(cString: evutil_gai_strerror(dnsError)))")
    }

    /// A failed connect carries no reason in evhttp (its cleanup overwrites errno): the
    /// time taken tells timed out and refused apart.
    /// A quick failure is refused or unreachable, which URLSession also reports as one
    /// (`cannotConnectToHost`).
    private func connectFailure(_ connection: OpaquePointer?, peer: String) -> HTTPClientError {
        // libevent's timer may fire a little before our clock says the timeout is over.
        if ContinuousClock.now - sentAt >= pool.configuration.connectTimeout * 0.9 {
            return HTTPClientError(.timedOut, "no connection to \(peer) within \(pool.configuration.connectTimeout)")
        }
        return HTTPClientError(.connectionRefused, "could not connect to \(peer) (refused or unreachable)")
    }

    /// Resumes the caller once, and stops the deadline (whose retain it drops).
    func finish(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        if case .finished = state { return }
        state = .finished
        if let deadline {
            event_free(deadline)
            self.deadline = nil
            Unmanaged.passUnretained(self).release()
        }
        continuation?.resume(returning: result)
        continuation = nil
    }
}

extension HTTPClientRequest.Method {
    var evhttp: evhttp_cmd_type {
        switch self {
        case .get: EVHTTP_REQ_GET
        case .post: EVHTTP_REQ_POST
        case .put: EVHTTP_REQ_PUT
        case .delete: EVHTTP_REQ_DELETE
        }
    }
}

// MARK: C callbacks (free functions: libevent calls them on the loop thread)

// Each callback may drop the last retain on the exchange (evhttp's or the deadline's):
// `withExtendedLifetime` keeps it alive until the method returns.

private func onExchangeResponse(_ request: UnsafeMutablePointer<evhttp_request>?, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    let exchange = Unmanaged<Exchange>.fromOpaque(argument).takeUnretainedValue()
    withExtendedLifetime(exchange) { exchange.answered(request) }
}

private func onExchangeError(_ error: evhttp_request_error, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    let exchange = Unmanaged<Exchange>.fromOpaque(argument).takeUnretainedValue()
    withExtendedLifetime(exchange) { exchange.failed(error) }
}

private func onExchangeDeadline(_ socket: Int32, _ events: Int16, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    let exchange = Unmanaged<Exchange>.fromOpaque(argument).takeUnretainedValue()
    withExtendedLifetime(exchange) { exchange.deadlinePassed() }
}
