import Foundation
import Logging
import Synchronization

@testable import HTTPServer

/// A flag or counter shared between a handler and the test.
final class Probe: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

/// Polls `condition` every 10 ms for up to `seconds`; returns whether it came true.
func eventually(within seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

func jsonBody(_ text: String) -> Response {
    Response(headers: ["Content-Type": "application/json"], body: .bytes(Array(text.utf8)))
}

/// The routes live tests talk to.
func testRouter(terminated: Probe = Probe()) -> Router {
    var router = Router()
    router.on("GET", "/health") { _ in jsonBody(#"{"status":"ok"}"#) }
    router.on("GET", "/slow") { request in
        try await Task.sleep(for: .milliseconds(Int(request.query["ms"] ?? "1000") ?? 1000))
        return jsonBody(#"{"done":true}"#)
    }
    router.on("POST", "/echo") { request in Response(body: .bytes(request.body)) }
    router.on("GET", "/items/{id}") { request in jsonBody(#"{"id":"\#(request.pathParameters["id"] ?? "")"}"#) }
    router.on("GET", "/crash") { _ in throw CocoaError(.fileReadCorruptFile) }
    router.on("GET", "/stream") { _ in
        Response(headers: ["Content-Type": "text/plain"], body: .stream(AsyncStream { continuation in
            Task {
                for word in ["one\n", "two\n", "three\n"] {
                    continuation.yield(Array(word.utf8))
                    try? await Task.sleep(for: .milliseconds(20))
                }
                continuation.finish()
            }
        }))
    }
    router.on("GET", "/forever") { _ in
        Response(headers: ["Content-Type": "text/event-stream"], body: .stream(AsyncStream { continuation in
            continuation.yield(Array("data: tick\n\n".utf8))
            continuation.onTermination = { _ in terminated.increment() }
        }))
    }
    return router
}

/// Starts a server on an ephemeral loopback port, runs `body`, shuts the server down.
func withServer(
    _ router: Router = testRouter(),
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    logger: Logger = .discarding,
    onResponse: (@Sendable (Request, Response, Duration) -> Void)? = nil,
    _ body: (HTTPServer) async throws -> Void
) async throws {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopCount: 2, shutdownGracePeriod: .seconds(5))
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, responder: router, logger: logger, onResponse: onResponse)
    try server.start()
    do {
        try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// One request on a fresh connection.
func request(_ port: Int, _ target: String, headers: [String: String] = [:]) async throws -> RawResponse {
    try await request(port, "GET", target, headers: headers)
}

func request(
    _ port: Int, _ method: String, _ target: String, headers: [String: String] = [:], body: [UInt8] = []
) async throws -> RawResponse {
    try await blocking { try RawConnection(port: port).request(method, target, headers: headers, body: body) }
}
