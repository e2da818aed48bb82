import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPClient

/// How a Twirp call travels: one POST, its status and body back, or a `LiveKitError`
/// naming the transport failure. Tokens go in `headers` and never into an error.
protocol TwirpTransport: Sendable {
    func post(_ url: URL, headers: [(name: String, value: String)], body: Data, method: String) async throws(LiveKitError) -> (status: Int, body: Data)
}

/// `http://` LiveKit: libevent's evhttp on the client's own loop thread, keep-alive
/// connections pooled. URLSession's libcurl thread and the Dispatch hops back cost
/// several milliseconds a call (bench/README.md); this answers on the loop thread.
struct EventHTTPTransport: TwirpTransport {
    let client: HTTPClient

    init(_ connection: LiveKitConnection) {
        let url = connection.baseURL
        client = HTTPClient(
            host: url.host ?? "localhost", port: url.port ?? 80,
            configuration: HTTPClient.Configuration(
                connectTimeout: .seconds(connection.connectTimeout), requestTimeout: .seconds(connection.requestTimeout)))
    }

    func post(_ url: URL, headers: [(name: String, value: String)], body: Data, method: String) async throws(LiveKitError) -> (status: Int, body: Data) {
        let path = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? url.path
        do {
            let answer = try await client.execute(HTTPClientRequest(method: .post, path: path, headers: headers, body: body))
            return (answer.status, answer.body)
        } catch {
            throw Self.transportFailure(error, method: method)
        }
    }

    /// The same classes as URLSession's failures (`TwirpClient.transportFailure`).
    static func transportFailure(_ error: HTTPClientError, method: String) -> LiveKitError {
        let detail = "\(method): \(error)"
        switch error.code {
        case .connectionRefused: return .connectionRefused(detail)
        case .timedOut: return .timedOut(detail)
        case .hostNotFound: return .hostNotFound(detail)
        case .cancelled: return .transport("\(method) was cancelled")
        default: return .transport(detail)
        }
    }
}

/// `https://` LiveKit (libevent's TLS is not used: see docs), and the tests' URLProtocol stubs.
struct URLSessionTransport: TwirpTransport {
    let session: URLSession
    let timeout: TimeInterval

    func post(_ url: URL, headers: [(name: String, value: String)], body: Data, method: String) async throws(LiveKitError) -> (status: Int, body: Data) {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.timeoutInterval = timeout
        request.httpBody = body
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch let error as URLError {
            throw Self.transportFailure(error, method: method)
        } catch is CancellationError {
            throw .transport("\(method) was cancelled")
        } catch {
            throw .transport("\(method): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw .invalidResponse("\(method) got a response that is not HTTP") }
        return (http.statusCode, data)
    }

    static func transportFailure(_ error: URLError, method: String) -> LiveKitError {
        let detail = "\(method): URLError \(error.code.rawValue)"
        switch error.code {
        case .cannotConnectToHost: return .connectionRefused(detail)
        case .timedOut: return .timedOut(detail)
        case .cannotFindHost, .dnsLookupFailed: return .hostNotFound(detail)
        case .cancelled: return .transport("\(method) was cancelled")
        default: return .transport(detail)
        }
    }
}
