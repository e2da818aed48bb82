import Logging
import Testing

@testable import HTTPServer

private struct Conflict: HTTPResponseError {
    var status: Int { 409 }
    var code: String { "recording_in_progress" }
    var message: String { "This room is already being recorded; stop it first." }
    var headers: HTTPHeaders { ["Retry-After": "5"] }
}

private struct Secretive: Error {
    let detail = "database password is hunter2"
}

/// Echoes what the router gave the handler, so a test sees parameters and template.
private func echo(_ name: String) -> HTTPHandler {
    { request in
        let parameters = request.pathParameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let text = ([name, request.routeTemplate ?? "-"] + parameters).joined(separator: "|")
        return Response(body: .bytes(Array(text.utf8)))
    }
}

private func makeRouter() -> Router {
    var router = Router()
    router.on("GET", "/health", echo("health"))
    router.on("GET", "/api/recording/status/{egressId}", echo("status"))
    router.on("GET", "/api/recording/list", echo("list"))
    router.on("GET", "/api/recording/{egressId}", echo("one"))
    router.on("DELETE", "/api/recording/{egressId}", echo("delete"))
    router.on("POST", "/api/recording/start", echo("start"))
    router.on("GET", "/rooms/{room}/participants/{identity}", echo("participant"))
    router.on("GET", "/conflict") { _ in throw Conflict() }
    router.on("GET", "/crash") { _ in throw Secretive() }
    return router
}

private func send(_ method: String, _ target: String, router: Router = makeRouter(), logger: Logger = .discarding) async throws -> Response {
    await router.respond(to: try Request(method: method, target: target, requestId: "test-id", logger: logger))
}

private func text(_ response: Response) -> String { String(decoding: response.bodyBytes, as: UTF8.self) }

@Suite("Router")
struct RouterTests {
    @Test("routes to the handler with decoded parameters", arguments: [
        ("GET", "/health", "health|/health"),
        ("GET", "/api/recording/status/EG_abc123", "status|/api/recording/status/{egressId}|egressId=EG_abc123"),
        ("GET", "/api/recording/status/%21abc%3Aexample.org", "status|/api/recording/status/{egressId}|egressId=!abc:example.org"),
        ("GET", "/api/recording/status/a+b%20c", "status|/api/recording/status/{egressId}|egressId=a+b c"),
        ("GET", "/api/recording/status/%E2%9C%93", "status|/api/recording/status/{egressId}|egressId=✓"),
        ("GET", "/api/recording/list", "list|/api/recording/list"),
        ("GET", "/api/recording/EG_1", "one|/api/recording/{egressId}|egressId=EG_1"),
        ("DELETE", "/api/recording/EG_1", "delete|/api/recording/{egressId}|egressId=EG_1"),
        ("delete", "/api/recording/EG_2", "delete|/api/recording/{egressId}|egressId=EG_2"),
        ("GET", "/rooms/%21r%3Ax/participants/alice", "participant|/rooms/{room}/participants/{identity}|identity=alice|room=!r:x"),
        ("GET", "/health?verbose=1", "health|/health"),
    ])
    func routes(method: String, target: String, expected: String) async throws {
        let response = try await send(method, target)
        #expect(response.status == 200)
        #expect(text(response) == expected)
    }

    @Test("literal segments win over parameters whatever the registration order")
    func literalWins() async throws {
        var router = Router()
        router.on("GET", "/a/{id}", echo("param"))
        router.on("GET", "/a/list", echo("literal"))
        #expect(text(try await send("GET", "/a/list", router: router)) == "literal|/a/list")
        #expect(text(try await send("GET", "/a/other", router: router)) == "param|/a/{id}|id=other")
    }

    @Test("parameters that do not decode are a JSON 400", arguments: [
        "/api/recording/status/%00abc",  // NUL
        "/api/recording/status/%C3%28",  // invalid UTF-8
        "/api/recording/status/%FF",  // invalid UTF-8
        "/api/recording/status/%zz",  // not hex
        "/api/recording/status/abc%2",  // truncated escape
    ])
    func undecodableParameter(target: String) async throws {
        let response = try await send("GET", target)
        #expect(response.status == 400)
        #expect(text(response).contains(#""code":"invalid_path_parameter""#))
        #expect(text(response).contains(#""success":false"#))
    }

    @Test("unknown paths are a JSON 404", arguments: [
        "/nope", "/health/", "/api/recording/status/", "/api/recording/status/a/b", "/", "//health",
    ])
    func unknownPath(target: String) async throws {
        let response = try await send("GET", target)
        #expect(response.status == 404)
        #expect(text(response).contains(#""code":"route_not_found""#))
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.routeTemplate == nil)
    }

    @Test("a known path with another method is a JSON 405 listing the allowed ones", arguments: [
        ("POST", "/health", "GET, HEAD, OPTIONS"),
        ("PATCH", "/api/recording/EG_1", "DELETE, GET, HEAD, OPTIONS"),
        ("GET", "/api/recording/start", "OPTIONS, POST"),
        ("HEAD", "/api/recording/start", "OPTIONS, POST"),
    ])
    func wrongMethod(method: String, target: String, allow: String) async throws {
        let response = try await send(method, target)
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == allow)
        #expect(text(response).contains(#""code":"method_not_allowed""#))
    }

    @Test("HEAD runs the GET handler; OPTIONS answers 204 with Allow")
    func headAndOptions() async throws {
        let head = try await send("HEAD", "/api/recording/list")
        #expect(head.status == 200)
        #expect(text(head) == "list|/api/recording/list")
        let options = try await send("OPTIONS", "/api/recording/EG_1")
        #expect(options.status == 204)
        #expect(options.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS")
    }

    @Test("an HTTPResponseError becomes its JSON error with its headers")
    func responseError() async throws {
        let response = try await send("GET", "/conflict")
        #expect(response.status == 409)
        #expect(response.headers["retry-after"] == "5")
        #expect(text(response) == #"{"code":"recording_in_progress","error":"This room is already being recorded; stop it first.","success":false}"#)
        #expect(response.routeTemplate == "/conflict")
    }

    @Test("any other error is logged with the request id and answered 500 without detail")
    func otherError() async throws {
        let sink = CapturingLogSink()
        let response = try await send("GET", "/crash", logger: Logger(label: "test", sink: sink))
        #expect(response.status == 500)
        #expect(text(response).contains(#""code":"internal_error""#))
        #expect(!text(response).contains("hunter2"))
        let logged = sink.captured.filter { $0.level == .error }
        #expect(logged.count == 1)
        #expect(logged.first?.metadata["request.id"] == "test-id")
        #expect(logged.first?.metadata["error"]?.contains("Secretive") == true)
    }
}
