import Foundation
import JSONWriting

/// What a handler answers.
public struct Response: Sendable {
    public enum Body: Sendable {
        /// Sent with `Content-Length`.
        case bytes([UInt8])
        /// Sent chunked as the stream yields; the stream is cancelled when the client goes away.
        case stream(AsyncStream<[UInt8]>)
    }

    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body
    /// The route that produced this response (set by the router), for access logs and
    /// metrics: the server sees the response, not the router's copy of the request.
    public var routeTemplate: String?

    public init(status: Int = 200, headers: HTTPHeaders = [:], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The bytes of a `.bytes` body (empty for a stream), handy in tests.
    public var bodyBytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }

    /// `value` as JSON (`Content-Type: application/json`), slashes not escaped, keys sorted
    /// (Foundation on Linux keeps no declaration order; sorted at least is stable).
    public static func json<Value: Encodable>(
        _ value: Value, status: Int = 200, headers: HTTPHeaders = [:]
    ) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        var response = Response(status: status, headers: headers, body: .bytes(Array(try encoder.encode(value))))
        response.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return response
    }

    /// `value` as JSON written by its hand-written `JSONWritable` encoding: the same bytes
    /// as the `Encodable` overload (which Swift picks for other types), without
    /// JSONEncoder's per-value boxing, and it cannot fail.
    public static func json<Value: JSONWritable>(
        _ value: Value, status: Int = 200, headers: HTTPHeaders = [:]
    ) -> Response {
        var response = Response(status: status, headers: headers, body: .bytes(value.jsonBytes()))
        response.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return response
    }

    /// The contract's failure shape: `{"success":false,"code":…,"error":…}`.
    public static func error(status: Int, code: String, message: String, headers: HTTPHeaders = [:]) -> Response {
        json(ErrorBody(success: false, code: code, error: message), status: status, headers: headers)
    }

    public static func error(_ error: any HTTPResponseError) -> Response {
        .error(status: error.status, code: error.code, message: error.message, headers: error.headers)
    }

    /// `302 Found` to `location` (a presigned download link, for instance).
    public static func redirect(to location: String, status: Int = 302) -> Response {
        Response(status: status, headers: ["Location": location])
    }

    struct ErrorBody: JSONWritable {
        let success: Bool
        let code: String
        let error: String

        func writeJSON(to writer: inout JSONWriter) {
            writer.object { w in
                w.key("code"); w.string(code)
                w.key("error"); w.string(error)
                w.key("success"); w.bool(success)
            }
        }
    }
}
