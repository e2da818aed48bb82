import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Synchronization
@testable import LiveKit

/// Answers URLSession requests in-process, so the Twirp client's HTTP handling is tested
/// without sockets. Each test registers a handler under its own host name.
final class StubURLProtocol: URLProtocol {
    enum Answer: Sendable {
        case http(status: Int, body: String, contentType: String = "application/json")
        case failure(URLError.Code)
    }

    struct Recorded: Sendable {
        let url: URL
        let method: String
        let headers: [String: String]
        let body: Data
    }

    typealias Handler = @Sendable (Recorded) -> Answer

    private static let handlers = Mutex<[String: Handler]>([:])

    static func register(host: String, handler: @escaping Handler) {
        handlers.withLock { $0[host] = handler }
    }

    override class func canInit(with request: URLRequest) -> Bool { true }
    override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    override func startLoading() {
        guard let url = request.url, let host = url.host, let handler = Self.handlers.withLock({ $0[host] }) else {
            client?.urlProtocol(self, didFailWithError: URLError(.unsupportedURL))
            return
        }
        let recorded = Recorded(url: url, method: request.httpMethod ?? "GET", headers: request.allHTTPHeaderFields ?? [:], body: request.bodyData ?? Data())
        switch handler(recorded) {
        case .failure(let code):
            client?.urlProtocol(self, didFailWithError: URLError(code))
        case .http(let status, let body, let contentType):
            let response = HTTPURLResponse(url: url, statusCode: status, httpVersion: "HTTP/1.1", headerFields: ["Content-Type": contentType])!
            client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
            client?.urlProtocol(self, didLoad: Data(body.utf8))
            client?.urlProtocolDidFinishLoading(self)
        }
    }

    override func stopLoading() {}

}

/// A LiveKit connection whose calls go to a `StubURLProtocol` handler.
struct StubbedLiveKit {
    static let apiKey = "APIstubKey"
    static let apiSecret = "stub-secret-0123456789abcdef0123456789"

    let host = "livekit-\(UUID().uuidString.lowercased()).test"
    let connection: LiveKitConnection
    let twirp: TwirpClient

    init(prefix: String = "", now: @escaping @Sendable () -> Date = Date.init, logger: Logger? = nil, handler: @escaping StubURLProtocol.Handler) {
        connection = try! LiveKitConnection(url: "https://\(host)\(prefix)", apiKey: Self.apiKey, apiSecret: Self.apiSecret)
        StubURLProtocol.register(host: host, handler: handler)
        twirp = TwirpClient(connection: connection, session: TwirpClient.makeSession(connection, protocolClasses: [StubURLProtocol.self]), logger: logger, now: now)
    }

    var egress: EgressClient { EgressClient(twirp: twirp) }
    var rooms: RoomServiceClient { RoomServiceClient(twirp: twirp) }
    var verifier: TokenVerifier { TokenVerifier(apiKey: Self.apiKey, apiSecret: Self.apiSecret) }
}

/// Collects what a handler saw, across the handler's concurrency domain.
final class RequestLog: Sendable {
    private let requests = Mutex<[StubURLProtocol.Recorded]>([])
    func append(_ request: StubURLProtocol.Recorded) { requests.withLock { $0.append(request) } }
    var all: [StubURLProtocol.Recorded] { requests.withLock { $0 } }
}
