import Foundation
import Logging
import Testing

@testable import HTTPServer

@Suite("Request and response values")
struct MessageTests {
    @Test("queries decode as form data: + is a space, first value wins, all items kept in order")
    func queryDecoding() throws {
        let request = try Request(method: "get", target: "/list?a=1&b=x+y&c=%2B%21&d&a=2&&e=%E2%9C%93#frag")
        #expect(request.method == "GET")
        #expect(request.path == "/list")
        #expect(request.query == ["a": "1", "b": "x y", "c": "+!", "d": "", "e": "✓"])
        #expect(request.queryItems.map(\.name) == ["a", "b", "c", "d", "a", "e"])
        #expect(request.queryItems[4].value == "2")
    }

    @Test("queries that do not decode are refused", arguments: ["/x?a=%zz", "/x?a=%00", "/x?a=%FF", "/x?%C3=1", "/x?a=%4"])
    func invalidQuery(target: String) {
        #expect(throws: HTTPServerResponseError.invalidQuery) {
            try Request(method: "GET", target: target)
        }
    }

    @Test("absolute-form targets keep only path and query")
    func absoluteForm() throws {
        let request = try Request(method: "GET", target: "http://example.org:3000/health?x=1")
        #expect(request.path == "/health")
        #expect(request.query == ["x": "1"])
    }

    @Test("targets split into path and query; a fragment is dropped", arguments: [
        ("/health", "/health", ""), ("/a/b?x=1&y", "/a/b", "x=1&y"), ("/a#frag", "/a", ""), ("/a?q#frag", "/a", "q"),
        ("/?", "/", ""), ("http://h/p?q", "/p", "q"), ("http://h?q", "/", "q"), ("*", "*", ""),
    ])
    func targetSplit(target: String, path: String, query: String) {
        let split = Request.split(target: target)
        #expect(split.path == path)
        #expect(split.query == query)
    }

    @Test("access-log durations: milliseconds with three decimals", arguments: [
        (Duration.zero, "0.000"), (.microseconds(5), "0.005"), (.microseconds(120), "0.120"), (.milliseconds(1), "1.000"),
        (.microseconds(12_345), "12.345"), (.seconds(100), "100000.000"), (.nanoseconds(999), "0.000"),
    ])
    func millisecondsText(duration: Duration, expected: String) {
        #expect(duration.millisecondsText == expected)
    }

    @Test("a sane X-Request-Id is kept", arguments: ["abc-123", "A.b_c-9", String(repeating: "x", count: 128)])
    func keepsSaneRequestId(id: String) throws {
        let request = try Request(method: "GET", target: "/", headers: ["x-request-id": id])
        #expect(request.requestId == id)
        #expect(request.logger.metadata["request.id"] == id)
    }

    @Test("request.logger carries the id; a logger set on the request is kept as set")
    func requestLogger() throws {
        let sink = CapturingLogSink()
        var request = try Request(method: "GET", target: "/", requestId: "id-1", logger: Logger(label: "http", sink: sink))
        request.logger.info("first")
        request.logger = request.logger.with(["room": "r"])
        request.logger.info("second")
        request.logger = Logger(label: "other", sink: sink)
        request.logger.info("third")
        #expect(sink.captured.map(\.metadata) == [["request.id": "id-1"], ["request.id": "id-1", "room": "r"], [:]])
        #expect(sink.captured.map(\.label) == ["http", "http", "other"])
    }

    @Test("anything else is replaced by 32 random hex digits", arguments: ["", "has space", "semi;colon", "ünï", String(repeating: "x", count: 129)])
    func replacesInsaneRequestId(id: String) throws {
        let request = try Request(method: "GET", target: "/", headers: ["X-Request-Id": id])
        #expect(request.requestId != id)
        #expect(request.requestId.count == 32)
        #expect(request.requestId.allSatisfy { $0.isHexDigit })
    }

    @Test("generated ids differ")
    func generatedIdsDiffer() {
        #expect(Set((0..<100).map { _ in RequestID.generate() }).count == 100)
    }

    /// Event loops make ids with generators of their own; across them and the shared path,
    /// past each generator's block of 64 counter values, none repeats and all look alike.
    @Test("ids from several generators and the shared path never repeat")
    func generatorIdsDiffer() {
        var first = RequestIDGenerator(), second = RequestIDGenerator()
        var ids: [String] = []
        for _ in 0..<200 { ids += [first.next(), second.next(), RequestID.generate()] }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 32 && RequestID.isSane($0) && $0.allSatisfy(\.isHexDigit) })
        #expect(first.make(from: "from-the-proxy") == "from-the-proxy")
        #expect(first.make(from: "has space") != "has space")
    }

    @Test("header names compare case-insensitively; order and repeats are kept")
    func headers() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "Set-Cookie": "a=1"]
        headers.add(name: "set-cookie", value: "b=2")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers.values(for: "Set-Cookie") == ["a=1", "b=2"])
        headers.replaceOrAdd(name: "SET-COOKIE", value: "c=3")
        #expect(headers.values(for: "set-cookie") == ["c=3"])
        #expect(headers.map(\.name) == ["Content-Type", "SET-COOKIE"])
        #expect(headers["X-Missing"] == nil)
    }

    @Test("JSON responses do not escape slashes")
    func jsonResponse() throws {
        struct Link: Encodable { let url: String }
        let response = try Response.json(Link(url: "https://s3/bucket/key.mp4"), status: 201)
        #expect(response.status == 201)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(String(decoding: response.bodyBytes, as: UTF8.self) == #"{"url":"https://s3/bucket/key.mp4"}"#)
    }

    @Test("error responses have the contract's shape")
    func errorResponse() throws {
        let response = Response.error(status: 404, code: "recording_not_found", message: "No recording \"EG_1\".", headers: ["X-A": "b"])
        let object = try JSONSerialization.jsonObject(with: Data(response.bodyBytes)) as? [String: Any]
        #expect(response.status == 404)
        #expect(response.headers["X-A"] == "b")
        #expect(object?["success"] as? Bool == false)
        #expect(object?["code"] as? String == "recording_not_found")
        #expect(object?["error"] as? String == "No recording \"EG_1\".")
    }

    /// `ErrorBody` is written by hand; JSONEncoder wrote it before, and clients saw those bytes.
    @Test("error bodies are the bytes JSONEncoder wrote", arguments: ["", "plain", "No \"EG_1\" in /a\\b.", "tab\tnew\nline\u{1}\u{1F}", "ünï😀\u{2028}"])
    func errorBodyBytes(message: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let body = Response.ErrorBody(success: false, code: "some_code", error: message)
        let response = Response.error(status: 400, code: "some_code", message: message)
        #expect(response.bodyBytes == Array(try encoder.encode(body)))
        #expect(response.headers["Content-Type"] == "application/json")
    }

    @Test("redirects carry Location")
    func redirect() {
        let response = Response.redirect(to: "https://s3.example/key?X-Amz-Signature=abc")
        #expect(response.status == 302)
        #expect(response.headers["Location"] == "https://s3.example/key?X-Amz-Signature=abc")
    }
}
