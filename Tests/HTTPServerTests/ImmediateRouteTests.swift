import Foundation
import Logging
import Synchronization
import Testing

@testable import HTTPServer

/// A route registered with `onImmediate` answers on the event loop, without a task, with
/// everything a waiting route gets: request id, one access line, the observer, HEAD, 405.
private func immediateRouter() -> Router {
    var router = Router()
    router.onImmediate("GET", "/now") { request in
        // No task around the handler: the proof that the server answered inline.
        let inTask = withUnsafeCurrentTask { $0 != nil }
        return jsonBody(#"{"inTask":\#(inTask),"id":"\#(request.requestId)"}"#)
    }
    router.onImmediate("GET", "/refuse") { _ in throw HTTPServerResponseError.invalidQuery }
    router.on("GET", "/later") { _ in jsonBody(#"{"later":true}"#) }
    router.on("POST", "/now") { _ in jsonBody(#"{"posted":true}"#) }
    return router
}

@Suite("Router: immediate routes")
struct ImmediateRouterTests {
    private func request(_ method: String, _ target: String) throws -> Request {
        try Request(method: method, target: target, requestId: "test-id")
    }

    @Test("an immediate route and the router's own answers need no task; a waiting route does")
    func whatIsImmediate() throws {
        let router = immediateRouter()
        let now = try #require(router.immediateResponse(to: request("GET", "/now")))
        #expect(now.status == 200)
        #expect(now.routeTemplate == "/now")
        #expect(router.immediateResponse(to: try request("HEAD", "/now"))?.status == 200)
        #expect(router.immediateResponse(to: try request("GET", "/nowhere"))?.status == 404)
        #expect(router.immediateResponse(to: try request("GET", "/refuse"))?.status == 400)
        #expect(router.immediateResponse(to: try request("GET", "/later")) == nil)
        #expect(router.immediateResponse(to: try request("POST", "/now")) == nil)
    }

    @Test("405 lists immediate and waiting methods alike; OPTIONS too")
    func allow() throws {
        let router = immediateRouter()
        let refused = try #require(router.immediateResponse(to: request("DELETE", "/now")))
        #expect(refused.status == 405)
        #expect(refused.headers["Allow"] == "GET, HEAD, OPTIONS, POST")
        #expect(refused.routeTemplate == "/now")
        let options = try #require(router.immediateResponse(to: request("OPTIONS", "/now")))
        #expect(options.status == 204)
        #expect(options.headers["Allow"] == "GET, HEAD, OPTIONS, POST")
    }

    @Test("respond(to:) still answers immediate routes (a responder wrapping the router)")
    func respondRunsImmediateHandlers() async throws {
        let response = await immediateRouter().respond(to: try request("GET", "/now"))
        #expect(response.status == 200)
        #expect(response.routeTemplate == "/now")
    }
}

@Suite("Live server: immediate routes")
struct ImmediateRouteLiveTests {
    @Test("answered inline with request id, one access line and the observer")
    func answeredInline() async throws {
        let seen = Mutex<[(String?, Int, String)]>([])
        let sink = CapturingLogSink()
        try await withServer(immediateRouter(), logger: Logger(label: "http", sink: sink), onResponse: { request, response, _ in
            seen.withLock { $0.append((response.routeTemplate, response.status, request.requestId)) }
        }) { server in
            let response = try await request(server.port, "/now", headers: ["X-Request-Id": "inline-1"])
            #expect(response.status == 200)
            #expect(response.text == #"{"inTask":false,"id":"inline-1"}"#)
            #expect(response.header("X-Request-Id") == "inline-1")
            #expect(response.header("Content-Type") == "application/json")
        }
        let observed = seen.withLock { $0 }
        #expect(observed.count == 1)
        #expect(observed.first?.0 == "/now")
        #expect(observed.first?.1 == 200)
        #expect(observed.first?.2 == "inline-1")
        let access = sink.captured.filter { $0.message == "request" }
        #expect(access.count == 1)
        let line = try #require(access.first).metadata
        #expect(line["method"] == "GET")
        #expect(line["route"] == "/now")
        #expect(line["status"] == "200")
        #expect(line["request.id"] == "inline-1")
        #expect(line["duration_ms"] != nil)
    }

    @Test("HEAD has the GET headers and no body; 405 keeps Allow; the connection stays usable")
    func headAndMethodNotAllowed() async throws {
        try await withServer(immediateRouter()) { server in
            let (head, refused, after) = try await blocking {
                let connection = try RawConnection(port: server.port)
                return (
                    try connection.request("HEAD", "/now"),
                    try connection.request("DELETE", "/now"),
                    try connection.request("GET", "/later"))
            }
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(Int(head.header("Content-Length") ?? "") ?? 0 > 0)
            #expect(head.header("X-Request-Id") != nil)
            #expect(refused.status == 405)
            #expect(refused.header("Allow") == "GET, HEAD, OPTIONS, POST")
            #expect(refused.header("X-Request-Id") != nil)
            #expect(after.text == #"{"later":true}"#)
        }
    }
}
