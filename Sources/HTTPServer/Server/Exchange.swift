import CLibEvent

/// One request between libevent and the Swift task answering it. Used only on its
/// loop's thread (the pump task reaches it through `loop.execute`).
///
/// Who frees the `evhttp_request` (libevent 2.1.12, http.c):
/// - a reply handed over with `evhttp_send_reply`/`_end` is libevent's; it frees it once
///   written (calling our on-complete callback first) or with its connection;
/// - a connection freed while our request is still queued on it (shutdown) frees the
///   request right after calling our close callback;
/// - a client gone mid-stream (EOF or timeout before `_end`) detaches the request
///   (its connection becomes NULL) and leaves it to us: `_end` then frees it.
/// So `request` is set to nil whenever libevent takes it, and never touched again.
final class Exchange: @unchecked Sendable {
    unowned let loop: EventLoop
    private var request: UnsafeMutablePointer<evhttp_request>?
    private var connection: OpaquePointer?
    private let isHead: Bool
    private var retainedForLibevent: Unmanaged<Exchange>?
    private var isFinished = false
    private var chunkWaiter: CheckedContinuation<Bool, Never>?
    private var pump: Task<Void, Never>?

    init(loop: EventLoop, request: UnsafeMutablePointer<evhttp_request>) {
        self.loop = loop
        self.request = request
        self.connection = evhttp_request_get_connection(request)
        self.isHead = evhttp_request_get_command(request) == EVHTTP_REQ_HEAD
        loop.exchangeCreated()
    }

    deinit { loop.exchangeReleased() }

    /// Hooks the close and completion callbacks; keeps this object alive until one fires.
    func register() {
        let retained = Unmanaged.passRetained(self)
        retainedForLibevent = retained
        if let connection { evhttp_connection_set_closecb(connection, onConnectionClosed, retained.toOpaque()) }
        if let request { evhttp_request_set_on_complete_cb(request, onRequestComplete, retained.toOpaque()) }
        loop.requestStarted()
    }

    // MARK: Replying

    func deliver(_ response: Response) {
        guard let request else { return }  // freed with its connection during shutdown
        let status = (200...599).contains(response.status) ? response.status : 500
        writeHeaders(response.headers, to: request)
        let mayHaveBody = status != 204 && status != 304
        switch response.body {
        case .bytes(let bytes):
            let output = evhttp_request_get_output_headers(request)
            if mayHaveBody && !response.headers.contains("Content-Length") {
                Self.addHeader("Content-Length", String(bytes.count), to: output)
            }
            // HEAD: same headers as GET, no body (RFC 9110 §9.3.2).
            if mayHaveBody && !isHead && !bytes.isEmpty {
                if bytes.count > Self.largeReplyBytes { sendWithoutDelay() }
                evbuffer_add(evhttp_request_get_output_buffer(request), bytes, bytes.count)
            }
            handOver { evhttp_send_reply($0, Int32(status), nil, nil) }
        case .stream(let stream):
            guard mayHaveBody && !isHead else {
                Self.discard(stream)
                handOver { evhttp_send_reply($0, Int32(status), nil, nil) }
                return
            }
            sendWithoutDelay()
            evhttp_send_reply_start(request, Int32(status), nil)
            liftReadTimeout()
            startPump(stream)
        }
    }

    /// A body above this may leave in more than one write (libevent writes at most 16 KiB at
    /// a time); smaller replies leave in one and need no extra system call.
    static let largeReplyBytes = 4 * 1024

    /// Nagle's algorithm holds a write back while an earlier one is unacknowledged, and the
    /// client delays its ACK until it has the whole reply: the last part of a reply written in
    /// two goes out ~40 ms late (a list page of 18 kB answered in 44 ms at p50 while the
    /// server idled). Streams need each chunk out at once too. Once set it stays for the
    /// connection's life.
    private func sendWithoutDelay() {
        if let connection { shim_evhttp_connection_set_nodelay(connection) }
    }

    private func writeHeaders(_ headers: HTTPHeaders, to request: UnsafeMutablePointer<evhttp_request>) {
        let output = evhttp_request_get_output_headers(request)
        for (name, value) in headers {
            // evhttp refuses CR/LF in values (no header injection); such a field is dropped.
            Self.addHeader(name, value, to: output)
        }
        if loop.isDraining {
            evhttp_remove_header(output, "Connection")
            evhttp_add_header(output, "Connection", "close")
        }
    }

    /// Passing a String variable straight to a `const char *` copies it into a new array
    /// (a malloc per name and per value, ~30 ns each); `withCString` lends its bytes.
    private static func addHeader(_ name: String, _ value: String, to output: UnsafeMutablePointer<evkeyvalq>?) {
        name.withCString { name in
            value.withCString { value in _ = evhttp_add_header(output, name, value) }
        }
    }

    /// Gives the request to libevent for good.
    private func handOver(_ send: (UnsafeMutablePointer<evhttp_request>) -> Void) {
        guard let request else { return }
        let detached = evhttp_request_get_connection(request) == nil
        self.request = nil
        send(request)
        // A detached request is freed by the send, without the completion callback.
        if detached { finish() }
    }

    // MARK: Streaming

    /// A listening client sends nothing, so the read timeout would end the stream;
    /// the write timeout stays (a client that stops reading is dropped).
    private func liftReadTimeout() {
        guard let connection, let events = evhttp_connection_get_bufferevent(connection) else { return }
        var write = loop.connectionTimeout
        bufferevent_set_timeouts(events, nil, &write)
    }

    private func startPump(_ stream: AsyncStream<[UInt8]>) {
        let loop = self.loop
        pump = Task {
            for await chunk in stream {
                guard await self.send(chunk) else { break }
            }
            loop.execute { self.endStream() }
        }
    }

    /// Waits until the chunk is written to the socket (back-pressure); false once the
    /// client is gone.
    private func send(_ chunk: [UInt8]) async -> Bool {
        await withCheckedContinuation { continuation in
            loop.execute { self.write(chunk, then: continuation) }
        }
    }

    private func write(_ chunk: [UInt8], then continuation: CheckedContinuation<Bool, Never>) {
        guard let request, connection != nil else { return continuation.resume(returning: false) }
        guard !chunk.isEmpty, let buffer = evbuffer_new() else { return continuation.resume(returning: true) }
        evbuffer_add(buffer, chunk, chunk.count)
        chunkWaiter = continuation
        evhttp_send_reply_chunk_with_cb(request, buffer, onChunkWritten, Unmanaged.passUnretained(self).toOpaque())
        evbuffer_free(buffer)
    }

    fileprivate func chunkWritten() {
        chunkWaiter?.resume(returning: true)
        chunkWaiter = nil
    }

    private func endStream() {
        if let connection {
            var timeout = loop.connectionTimeout
            evhttp_connection_set_timeout_tv(connection, &timeout)
        }
        handOver { evhttp_send_reply_end($0) }
    }

    /// Consumes nothing and tells the producer to stop (AsyncStream's onTermination).
    private static func discard(_ stream: AsyncStream<[UInt8]>) {
        Task { for await _ in stream {} }.cancel()
    }

    // MARK: Callbacks

    fileprivate func connectionClosed() {
        // Still queued on the dying connection: libevent frees it right after this call.
        if let request, evhttp_request_get_connection(request) != nil { self.request = nil }
        connection = nil
        chunkWaiter?.resume(returning: false)
        chunkWaiter = nil
        pump?.cancel()
        finish()
    }

    /// The reply is written or the connection is gone: stop counting it as in flight and
    /// let go of libevent's reference (libevent will not call us again).
    fileprivate func finish() {
        guard !isFinished else { return }
        isFinished = true
        if let connection { evhttp_connection_set_closecb(connection, nil, nil) }
        loop.requestFinished()
        retainedForLibevent?.release()
        retainedForLibevent = nil
    }
}

private func exchange(_ argument: UnsafeMutableRawPointer?) -> Exchange? {
    argument.map { Unmanaged<Exchange>.fromOpaque($0).takeUnretainedValue() }
}

private func onConnectionClosed(_ connection: OpaquePointer?, _ argument: UnsafeMutableRawPointer?) {
    exchange(argument)?.connectionClosed()
}

private func onRequestComplete(_ request: UnsafeMutablePointer<evhttp_request>?, _ argument: UnsafeMutableRawPointer?) {
    exchange(argument)?.finish()
}

private func onChunkWritten(_ connection: OpaquePointer?, _ argument: UnsafeMutableRawPointer?) {
    exchange(argument)?.chunkWritten()
}
