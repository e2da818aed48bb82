import CLibEvent
import Foundation

/// An HTTP/1.1 client for one `http://` host on libevent's evhttp: keep-alive
/// connections reused from a bounded pool, a connect/silence timeout and a whole-request
/// timeout. libevent writes the request and parses the answer; callers await it.
///
/// Built for LiveKit's Twirp API: FoundationNetworking's URLSession hands each request to
/// libcurl on its own thread and back through Dispatch, which cost several milliseconds a
/// call on a loaded two-core machine (bench/README.md). No TLS: `https://` stays with URLSession.
///
/// ```swift
/// let client = HTTPClient(host: "127.0.0.1", port: 7880)
/// let answer = try await client.execute(HTTPClientRequest(method: .post, path: "/twirp/…", body: json))
/// ```
public final class HTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// Bounds connecting and every silence while a request is written or its answer read.
        public var connectTimeout: Duration
        /// Bounds a whole request, from the call until the last byte of the answer.
        public var requestTimeout: Duration
        /// Connections open at once; further requests wait for one to be free.
        public var maximumConnections: Int
        /// An idle connection older than this is closed instead of reused, so a request does not
        /// race a server closing its idle connections (Go's `IdleTimeout`, nginx's `keepalive_timeout`).
        public var idleTimeout: Duration
        /// Larger answers fail as `invalidResponse`.
        public var maximumBodyBytes: Int

        public init(
            connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(10), maximumConnections: Int = 64,
            idleTimeout: Duration = .seconds(30), maximumBodyBytes: Int = 16 << 20
        ) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maximumConnections = maximumConnections
            self.idleTimeout = idleTimeout
            self.maximumBodyBytes = maximumBodyBytes
        }
    }

    public let host: String
    public let port: Int
    private let pool: ConnectionPool

    /// - Parameter host: a name or an IP literal (IPv6 with or without brackets). Names are
    ///   resolved each time a connection is opened, without blocking other calls, as
    ///   /etc/hosts and /etc/resolv.conf say (read once, at the first client).
    public convenience init(host: String, port: Int, configuration: Configuration = Configuration()) {
        self.init(host: host, port: port, configuration: configuration, loop: .shared)
    }

    /// On a loop of its own (tests: a resolver with their own nameservers).
    init(host: String, port: Int, configuration: Configuration, loop: ClientEventLoop) {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.host = bare
        self.port = port
        // RFC 9110 §7.2: Host carries the port unless it is the scheme's default; IPv6 in brackets.
        let hostField = bare.contains(":") ? "[\(bare)]" : bare
        pool = ConnectionPool(
            loop: loop, host: bare, port: port, hostHeader: port == 80 ? hostField : "\(hostField):\(port)", configuration: configuration)
    }

    deinit {
        let pool = self.pool
        pool.loop.enqueue { pool.close() }
    }

    /// Sends `request` and returns the answer, whatever its status; throws only when no
    /// whole answer arrived.
    public func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let exchange = Exchange(request: request, pool: pool)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>) in
                exchange.continuation = continuation
                pool.loop.enqueue { [pool] in pool.submit(exchange) }
            }
        } onCancel: {
            pool.loop.enqueue { exchange.cancel() }
        }
        return try result.get()
    }
}

extension HTTPClient {
    /// Connections open now, idle or busy (tests: keep-alive reuse and the pool's bound).
    func openConnections() async -> Int {
        await withCheckedContinuation { continuation in
            pool.loop.enqueue { [pool] in continuation.resume(returning: pool.openConnections) }
        }
    }
}
