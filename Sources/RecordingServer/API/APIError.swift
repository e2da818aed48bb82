import HTTPServer
import RecordingModels

/// A failure the API answers with `{"success":false,"code","error"}` and a fitting
/// status. Every handler error that reaches a client is one of these; anything else
/// becomes a bare 500 `internal_error` after being logged with the request id.
struct APIError: Error, Sendable, Equatable {
    var status: Int
    var code: String
    var message: String
    /// Lets a client recover, e.g. the active recording on `already_recording`.
    var egressId: String? = nil
    var retryAfterSeconds: Int? = nil
    /// Extra response headers, e.g. `WWW-Authenticate`.
    var headers: HTTPHeaders = [:]

    var body: ErrorResponse {
        ErrorResponse(code: code, error: message, egressId: egressId, retryAfterSeconds: retryAfterSeconds)
    }

    static func badRequest(_ code: String, _ message: String) -> APIError {
        APIError(status: 400, code: code, message: message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: APIErrorCode.notFound, message: message)
    }

    static let unauthorized = APIError(
        status: 401, code: APIErrorCode.unauthorized,
        message: "Send an operator key or a LiveKit participant token as `Authorization: Bearer <token>`.",
        headers: ["WWW-Authenticate": "Bearer"])

    static func forbidden(_ message: String) -> APIError {
        APIError(status: 403, code: APIErrorCode.forbidden, message: message)
    }

    static func payloadTooLarge(limit: Int) -> APIError {
        APIError(status: 413, code: APIErrorCode.payloadTooLarge, message: "The request body is larger than \(limit) bytes.")
    }

    static let internalError = APIError(
        status: 500, code: APIErrorCode.internalError,
        message: "Something went wrong on our side; the request id in X-Request-Id helps the operators find out what.")
}
