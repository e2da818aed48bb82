import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecordingModels

/// One request of the API, before it is turned into a `URLRequest`.
struct Endpoint: Sendable {
    var method: String
    /// Path segments, not yet percent-encoded: an egress id goes in as it is.
    var path: [String]
    var query: [(name: String, value: String)] = []
    var body: Data?

    init(method: String, path: [String], query: [(name: String, value: String)] = []) {
        self.method = method
        self.path = path
        self.query = query
    }

    init(method: String, path: [String], body: some Encodable) throws(RecordingError) {
        self.init(method: method, path: path)
        do {
            self.body = try JSONEncoder().encode(body)
        } catch {
            throw .decoding("could not encode the request: \(error)")
        }
    }

    /// The URL under `baseURL` (which may carry a path prefix of its own).
    ///
    /// Only RFC 3986 unreserved characters go out literally. Room names are Matrix ids
    /// (`!abc:example.org`), and a `+` left literal in a query reads as a space to many
    /// servers, `&`/`=`/`#` would split the query, `/` would split a path segment.
    func url(relativeTo baseURL: URL) -> URL? {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += "/" + path.map(PercentEncoding.encode).joined(separator: "/")
        if !query.isEmpty {
            text += "?" + query.map { "\(PercentEncoding.encode($0.name))=\(PercentEncoding.encode($0.value))" }.joined(separator: "&")
        }
        return URL(string: text)
    }
}

enum PercentEncoding {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

extension RecordingClient {
    /// Sends once; retried by the caller if at all.
    func send<Response: Decodable>(_ endpoint: Endpoint, as type: Response.Type) async throws(RecordingError) -> Response {
        let request = try await urlRequest(for: endpoint)
        let (data, response) = try await exchange(request)
        guard (200..<300).contains(response.statusCode) else {
            throw RecordingError(status: response.statusCode, body: data, retryAfterHeader: response.value(forHTTPHeaderField: "Retry-After"))
        }
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw .decoding("\(endpoint.method) /\(endpoint.path.first ?? ""): \(error)")
        }
    }

    /// Sends, retrying transient failures under `retryPolicy`. Only for calls that are
    /// safe to repeat.
    func sendRetrying<Response: Decodable>(_ endpoint: Endpoint, as type: Response.Type) async throws(RecordingError) -> Response {
        var attempt = 1
        while true {
            do {
                return try await send(endpoint, as: type)
            } catch {
                guard let delay = retryPolicy.delay(afterAttempt: attempt, error: error) else { throw error }
                try await wait(delay)
                attempt += 1
            }
        }
    }

    func wait(_ seconds: TimeInterval) async throws(RecordingError) {
        do {
            try await retryPolicy.sleep(seconds)
        } catch {
            throw .cancelled
        }
    }

    private func urlRequest(for endpoint: Endpoint) async throws(RecordingError) -> URLRequest {
        guard let url = endpoint.url(relativeTo: baseURL) else {
            throw .invalidRequest(code: "invalid_url", message: "Could not build a URL from the base URL \(baseURL.absoluteString).")
        }
        var request = URLRequest(url: url)
        request.httpMethod = endpoint.method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body = endpoint.body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let bearer = try await bearerToken() {
            request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization")
        }
        return request
    }

    private func bearerToken() async throws(RecordingError) -> String? {
        do {
            return try await token()
        } catch is CancellationError {
            throw .cancelled
        } catch {
            // The provider's error is the app's own; its text is not ours to show, nor a token.
            throw .unauthorized(message: "No access token for the recording service: the app could not provide one.")
        }
    }

    private func exchange(_ request: URLRequest) async throws(RecordingError) -> (Data, HTTPURLResponse) {
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            if Task.isCancelled || error is CancellationError { throw .cancelled }
            throw .transport(Self.describe(error))
        }
        guard let http = response as? HTTPURLResponse else {
            throw .transport("the answer was not HTTP")
        }
        return (data, http)
    }

    private static func describe(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            return "\(urlError.localizedDescription) (URLError \(urlError.code.rawValue))"
        }
        return error.localizedDescription
    }
}
