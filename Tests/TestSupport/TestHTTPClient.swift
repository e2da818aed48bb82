import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP client for tests that look at exact statuses, headers and bodies
/// (RecordingKit is tested separately; here the wire itself is under test).
public struct TestHTTPClient: Sendable {
    public let baseURL: URL
    public var bearer: String?

    public init(baseURL: URL, bearer: String? = nil) {
        self.baseURL = baseURL
        self.bearer = bearer
    }

    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }

        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Response {
        try await send("GET", path, headers: headers)
    }

    public func post(_ path: String, json: String, headers: [String: String] = [:]) async throws -> Response {
        try await send("POST", path, body: Data(json.utf8), headers: ["Content-Type": "application/json"].merging(headers) { _, new in new })
    }

    public func post(_ path: String, object: [String: Any], headers: [String: String] = [:]) async throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try await post(path, json: String(decoding: body, as: UTF8.self), headers: headers)
    }

    /// `path` is appended verbatim (already percent-encoded where needed).
    public func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Response {
        guard let url = URL(string: baseURL.absoluteString + path) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 60
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Self.session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var headerFields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headerFields["\(name)"] = "\(value)" }
        return Response(status: http.statusCode, headers: headerFields, body: data)
    }

    /// Redirects are reported, not followed: tests check the 302 itself.
    private static let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
}

private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
