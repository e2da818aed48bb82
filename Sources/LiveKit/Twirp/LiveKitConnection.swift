import Foundation

/// Where and as whom to call LiveKit's server API.
public struct LiveKitConnection: Sendable, CustomStringConvertible {
    /// `http(s)://host[:port][/prefix]`, no trailing slash.
    public let baseURL: URL
    public let apiKey: String
    let apiSecret: Redacted
    /// Bounds connecting and every silence while waiting for the answer.
    public var connectTimeout: TimeInterval
    /// Bounds a whole call.
    public var requestTimeout: TimeInterval
    /// Lifetime of the token minted for each call: short, so a leaked one is soon useless.
    public var tokenTTL: TimeInterval = 10 * 60

    /// - Parameter url: `LIVEKIT_URL`: `ws://`, `wss://`, `http://` or `https://`, with or
    ///   without a path prefix or trailing slash.
    public init(url: String, apiKey: String, apiSecret: String, connectTimeout: TimeInterval = 5, requestTimeout: TimeInterval = 10) throws(LiveKitError) {
        self.baseURL = try Self.httpBaseURL(from: url)
        self.apiKey = apiKey
        self.apiSecret = Redacted(apiSecret)
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }

    public var description: String { "LiveKitConnection(\(baseURL.absoluteString), apiKey: \(apiKey))" }

    /// The Twirp endpoint of a method: `{base}/twirp/livekit.{service}/{method}`.
    func endpoint(service: String, method: String) -> URL {
        URL(string: baseURL.absoluteString + "/twirp/livekit.\(service)/\(method)")!
    }

    /// The HTTP base for `LIVEKIT_URL`. Clients are handed the WebSocket URL
    /// (`wss://…`); the server API is plain HTTP on the same host and port, so
    /// `ws` becomes `http` and `wss` becomes `https`, as LiveKit's server SDKs do.
    public static func httpBaseURL(from text: String) throws(LiveKitError) -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL("expected a URL such as wss://livekit.example.org")
        }
        let httpScheme: String
        switch scheme {
        case "ws", "http": httpScheme = "http"
        case "wss", "https": httpScheme = "https"
        default: throw .invalidURL("scheme \(scheme) is not one of ws, wss, http, https")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("no host") }
        guard components.user == nil, components.password == nil else {
            throw .invalidURL("credentials do not belong in the URL; use LIVEKIT_API_KEY and LIVEKIT_API_SECRET")
        }
        guard components.query == nil, components.fragment == nil else { throw .invalidURL("a query or fragment has no meaning here") }
        // Rebuilt from the text after `scheme://`, so a port or an IPv6 literal stays as written.
        guard let separator = trimmed.range(of: "://") else { throw .invalidURL("expected scheme://host") }
        var rest = String(trimmed[separator.upperBound...])
        while rest.hasSuffix("/") { rest.removeLast() }
        guard let url = URL(string: httpScheme + "://" + rest) else { throw .invalidURL("cannot be rebuilt as an HTTP URL") }
        return url
    }
}
