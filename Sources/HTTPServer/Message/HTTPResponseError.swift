/// An error that knows how it should look to an HTTP client. The router turns a thrown
/// one into `{"success":false,"code":…,"error":…}` with `status`; any other error is
/// logged with the request id and answered 500 `internal_error` without detail.
public protocol HTTPResponseError: Error {
    var status: Int { get }
    /// snake_case, stable: clients branch on it.
    var code: String { get }
    /// A sentence a person can act on. Never a secret, never a stack.
    var message: String { get }
    var headers: HTTPHeaders { get }
}

extension HTTPResponseError {
    public var headers: HTTPHeaders { [:] }
}

/// The failures the HTTP layer itself reports (bad request targets, limits, routing).
public struct HTTPServerResponseError: HTTPResponseError, Equatable {
    public let status: Int
    public let code: String
    public let message: String
    public let headers: HTTPHeaders

    init(status: Int, code: String, message: String, headers: HTTPHeaders = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static let invalidQuery = HTTPServerResponseError(
        status: 400, code: "invalid_query",
        message: "The query string is not valid percent-encoded UTF-8 (or contains NUL); encode it per RFC 3986.")
    public static let invalidPathParameter = HTTPServerResponseError(
        status: 400, code: "invalid_path_parameter",
        message: "A path segment is not valid percent-encoded UTF-8 (or contains NUL); encode it per RFC 3986.")
    public static let routeNotFound = HTTPServerResponseError(
        status: 404, code: "route_not_found",
        message: "There is no endpoint at this path; see /openapi.json for the API.")
    static func methodNotAllowed(method: String, allowed: [String]) -> HTTPServerResponseError {
        HTTPServerResponseError(
            status: 405, code: "method_not_allowed",
            message: "\(method) is not supported here; use \(allowed.joined(separator: ", ")).",
            headers: ["Allow": allowed.joined(separator: ", ")])
    }
    static func payloadTooLarge(limit: Int) -> HTTPServerResponseError {
        HTTPServerResponseError(
            status: 413, code: "payload_too_large",
            message: "The request body is larger than \(limit) bytes; send a smaller body.")
    }
    static func headersTooLarge(limit: Int) -> HTTPServerResponseError {
        HTTPServerResponseError(
            status: 431, code: "headers_too_large",
            message: "The request headers are larger than \(limit) bytes; send fewer or shorter headers.")
    }
}
