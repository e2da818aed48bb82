import Logging

/// One HTTP request as handlers see it: everything already read, decoded and limited.
public struct Request: Sendable {
    public struct QueryItem: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// Upper-cased (`GET`, `POST`, …).
    public var method: String
    /// The raw (still percent-encoded) path, without query or fragment. Log it only at
    /// debug level: it carries room names and ids.
    public var path: String
    /// Set by the router from `{name}` segments; percent-decoded.
    public var pathParameters: [String: String]
    /// Decoded as application/x-www-form-urlencoded (`+` is a space). The first value wins
    /// when a name repeats; `queryItems` keeps them all, in order.
    public var query: [String: String]
    public var queryItems: [QueryItem]
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The peer's IP address (no port).
    public var remoteAddress: String
    /// From a sane incoming `X-Request-Id`, else generated; echoed on the response.
    public var requestId: String
    /// The route that matched, e.g. `/api/recording/status/{egressId}` (set by the router),
    /// for logs and metrics where the raw path would leak ids.
    public var routeTemplate: String?
    /// Carries `request.id` in its metadata. Made when asked for: most requests never log
    /// through it, and a copy per request (a new metadata dictionary) was ~2% of a `/health`.
    public var logger: Logger {
        get { loggerCarriesId ? baseLogger : baseLogger.with(["request.id": requestId]) }
        set {
            baseLogger = newValue
            loggerCarriesId = true
        }
    }
    /// The server's logger, without `request.id` until someone sets `logger`.
    private var baseLogger: Logger
    private var loggerCarriesId = false

    /// Builds a request from a request target (`/path?query`), as the server does.
    /// Throws `HTTPServerResponseError.invalidQuery` for a query that does not decode.
    public init(
        method: String,
        target: String,
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        remoteAddress: String = "",
        requestId: String? = nil,
        logger: Logger = .discarding
    ) throws(HTTPServerResponseError) {
        let (path, rawQuery) = Self.split(target: target)
        self.init(
            method: method, path: path, queryItems: try Self.decodeQuery(rawQuery), headers: headers, body: body,
            remoteAddress: remoteAddress, requestId: requestId, logger: logger)
    }

    init(
        method: String, path: String, queryItems: [QueryItem], headers: HTTPHeaders, body: [UInt8],
        remoteAddress: String, requestId: String?, logger: Logger
    ) {
        let id = requestId ?? RequestID.make(from: headers["X-Request-Id"])
        // The server passes libevent's upper-case names: no new string for those.
        self.method = method.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) ? method.uppercased() : method
        self.path = path
        self.pathParameters = [:]
        self.queryItems = queryItems
        self.query = queryItems.reduce(into: [:]) { query, item in
            if query[item.name] == nil { query[item.name] = item.value }
        }
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.requestId = id
        self.routeTemplate = nil
        self.baseLogger = logger
    }

    /// Splits `origin-form` (RFC 9112 §3.2.1) into path and query; tolerates
    /// `absolute-form` (`http://host/path`) by dropping scheme and authority.
    /// Searches bytes, not Characters: a request target is ASCII (RFC 9112 §3.2), and the
    /// grapheme walk of `firstIndex(of: Character)` was 2% of a `/health` request.
    static func split(target: String) -> (path: String, query: Substring) {
        // Most targets are a bare path (`/health`): one scan, and the string itself is the path.
        if target.utf8.first == UInt8(ascii: "/"),
            !target.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") })
        {
            return (target, "")
        }
        var rest = Substring(target)
        if let fragment = rest.utf8.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<fragment] }
        if !rest.hasPrefix("/"), let scheme = rest.range(of: "://") {
            let afterAuthority = rest[scheme.upperBound...]
            rest = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }).map { afterAuthority[$0...] } ?? "/"
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        guard let mark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (String(rest), "") }
        return (String(rest[..<mark]), rest[rest.index(after: mark)...])
    }

    static func decodeQuery(_ query: Substring) throws(HTTPServerResponseError) -> [QueryItem] {
        var items: [QueryItem] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusAsSpace: true),
                let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusAsSpace: true)
            else { throw .invalidQuery }
            items.append(QueryItem(name: name, value: value))
        }
        return items
    }
}
