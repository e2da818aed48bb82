import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
@testable import RecordingKit
import RecordingModels

/// A request as the fake transport saw it.
struct SeenRequest: Sendable {
    var method: String
    var url: URL
    var headers: [String: String]
    var body: Data

    /// The path as sent, percent-escapes kept.
    var rawPath: String { URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? "" }
    var rawQuery: String? { URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery }
    /// The path with escapes decoded, as a server's router would see it.
    var path: String { rawPath.removingPercentEncoding ?? rawPath }
    /// Query values decoded the RFC 3986 way (a `+` stays a `+`).
    var query: [String: String] {
        var values: [String: String] = [:]
        for item in URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [] { values[item.name] = item.value }
        return values
    }
    var authorization: String? { headers.first { $0.key.lowercased() == "authorization" }?.value }
    func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: body) }
}

/// What the fake answers.
enum FakeReply: Sendable {
    case response(status: Int, headers: [String: String], body: Data)
    /// The connection dropped: no HTTP answer at all.
    case connectionLost

    static func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> FakeReply {
        .response(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: Data(text.utf8))
    }

    static func encoded(_ value: some Encodable, status: Int = 200) -> FakeReply {
        .response(status: status, headers: ["Content-Type": "application/json"], body: try! JSONEncoder().encode(value))
    }

    static func error(_ status: Int, code: String, message: String = "Something a person can act on.", egressId: String? = nil, headers: [String: String] = [:]) -> FakeReply {
        var reply = ErrorResponse(code: code, error: message, egressId: egressId)
        reply.success = false
        guard case .response(_, let base, let body) = encoded(reply) else { fatalError() }
        return .response(status: status, headers: base.merging(headers) { _, new in new }, body: body)
    }
}

/// A fake Recording API reached through a `URLProtocol` registered on the session's
/// configuration: the real `URLSession` (FoundationNetworking on Linux) runs, only the
/// socket is replaced. Each fake has its own host, so tests run in parallel.
final class FakeServer: Sendable {
    typealias Handler = @Sendable (SeenRequest) -> FakeReply

    let host = "fake-\(UUID().uuidString.lowercased()).test"
    private let handler: Mutex<Handler>
    private let seen = Mutex<[SeenRequest]>([])

    init(_ handler: @escaping Handler) {
        self.handler = Mutex(handler)
        Self.registry.withLock { $0[host] = self }
    }

    deinit { Self.registry.withLock { $0[host] = nil } }

    var baseURL: URL { URL(string: "http://\(host)")! }
    var requests: [SeenRequest] { seen.withLock { $0 } }

    func setHandler(_ handler: @escaping Handler) { self.handler.withLock { $0 = handler } }

    var session: URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [FakeURLProtocol.self]
        return URLSession(configuration: configuration)
    }

    func client(token: @escaping @Sendable () async throws -> String? = { "test-token" }, retry: RetryPolicy = .testing()) -> RecordingClient {
        RecordingClient(baseURL: baseURL, token: token, session: session, retryPolicy: retry)
    }

    fileprivate func answer(_ request: SeenRequest) -> FakeReply {
        seen.withLock { $0.append(request) }
        return handler.withLock { $0 }(request)
    }

    fileprivate static let registry = Mutex<[String: FakeServer]>([:])
    fileprivate static func server(for url: URL?) -> FakeServer? {
        guard let host = url?.host else { return nil }
        return registry.withLock { $0[host] }
    }
}

final class FakeURLProtocol: URLProtocol {
    override class func canInit(with request: URLRequest) -> Bool { FakeServer.server(for: request.url) != nil }
    override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    override func startLoading() {
        guard let url = request.url, let server = FakeServer.server(for: url) else {
            client?.urlProtocol(self, didFailWithError: URLError(.cannotFindHost))
            return
        }
        let seen = SeenRequest(
            method: request.httpMethod ?? "GET", url: url,
            headers: request.allHTTPHeaderFields ?? [:], body: request.bodyData ?? Data())
        switch server.answer(seen) {
        case .connectionLost:
            client?.urlProtocol(self, didFailWithError: URLError(.networkConnectionLost))
        case .response(let status, let headers, let body):
            let response = HTTPURLResponse(url: url, statusCode: status, httpVersion: "HTTP/1.1", headerFields: headers)!
            client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
            client?.urlProtocol(self, didLoad: body)
            client?.urlProtocolDidFinishLoading(self)
        }
    }

    override func stopLoading() {}

}

/// Records the waits instead of waiting.
final class SleepRecorder: Sendable {
    private let waits = Mutex<[TimeInterval]>([])
    var recorded: [TimeInterval] { waits.withLock { $0 } }
    var sleep: @Sendable (TimeInterval) async throws -> Void {
        { [self] seconds in waits.withLock { $0.append(seconds) } }
    }
}

extension RetryPolicy {
    /// No real waiting, no randomness: `random` 0.5 makes the jitter factor exactly 1.
    static func testing(maxAttempts: Int = 3, recorder: SleepRecorder = SleepRecorder(), maxRetryAfter: TimeInterval = 30) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: 0.5, maxDelay: 8, maxRetryAfter: maxRetryAfter, jitter: 0.2, random: { 0.5 }, sleep: recorder.sleep)
    }
}

/// Sample recordings.
enum Sample {
    static let t0 = EpochMilliseconds(1_706_356_800_000)

    static func recording(_ egressId: String = "EG_1", room: String = "!abc:example.org", status: RecordingStatus = .active, error: String? = nil) -> RecordingInfo {
        RecordingInfo(
            egressId: egressId, roomName: room, status: status, startedAt: t0,
            endedAt: status.isTerminal ? EpochMilliseconds(t0.value + 60_000) : nil, error: error, layout: .gridDark,
            file: status.isTerminal ? RecordingFile(key: "recordings/abc-example.org_20240127T120000Z.mp4", size: 1234) : nil)
    }
}
