import Foundation

/// How the server listens and what it tolerates. Defaults suit the Recording API.
public struct HTTPServerConfiguration: Sendable {
    public var host: String
    /// 0 asks the kernel for a free port; read `HTTPServer.port` after `start()`.
    public var port: Int
    /// The API's body limit: a larger body gets JSON 413 `payload_too_large`.
    /// libevent's own limit is set to `libeventBodyLimit` as a backstop (its 413 is HTML).
    public var maxBodyBytes: Int
    /// The API's header limit: larger headers get JSON 431 `headers_too_large`;
    /// libevent's own limit (4×) is the backstop.
    public var maxHeaderBytes: Int
    /// libevent 2.1 has one connection timeout: reading a request (an idle keep-alive
    /// connection included) and writing a response. Handler time does not count; a
    /// streamed reply lifts the read side (the client sends nothing while it listens).
    public var connectionTimeout: Duration
    /// Event loops (threads), each with its own listening socket on the same port
    /// (SO_REUSEPORT), so the kernel spreads connections.
    public var eventLoopCount: Int
    /// How long `shutdown()` waits for requests in flight before closing connections.
    public var shutdownGracePeriod: Duration
    public var listenBacklog: Int
    /// true: handlers start on their event loop's thread (a task executor preference), so a
    /// request needs no thread switch; a handler must then never block (hop to an actor or
    /// the global pool for blocking work). false: handlers run on the global pool.
    public var runsHandlersOnEventLoop: Bool

    public init(
        host: String = "0.0.0.0",
        port: Int = 3000,
        maxBodyBytes: Int = 64 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        connectionTimeout: Duration = .seconds(30),
        eventLoopCount: Int = ProcessInfo.processInfo.activeProcessorCount,
        shutdownGracePeriod: Duration = .seconds(10),
        listenBacklog: Int = 1024,
        runsHandlersOnEventLoop: Bool = true
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.connectionTimeout = connectionTimeout
        self.eventLoopCount = max(1, eventLoopCount)
        self.shutdownGracePeriod = shutdownGracePeriod
        self.listenBacklog = listenBacklog
        self.runsHandlersOnEventLoop = runsHandlersOnEventLoop
    }

    var libeventBodyLimit: Int { max(4 * maxBodyBytes, 1024 * 1024) }
    var libeventHeaderLimit: Int { 4 * maxHeaderBytes }
}
