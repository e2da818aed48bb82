import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// Calls LiveKit's Twirp services with JSON: `POST {base}/twirp/livekit.{Service}/{Method}`.
///
/// Every call carries a fresh token that lives `tokenTTL` and grants only what that
/// call needs, so a token seen in a proxy log is worth little.
///
/// `http://` LiveKit is called through libevent's evhttp (`EventHTTPTransport`), `https://`
/// through URLSession; `session` forces URLSession (tests stub it with a URLProtocol).
final class TwirpClient: Sendable {
    let connection: LiveKitConnection
    let transport: any TwirpTransport
    private let logger: Logger?
    private let now: @Sendable () -> Date

    init(connection: LiveKitConnection, session: URLSession? = nil, logger: Logger? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.connection = connection
        self.transport = Self.transport(for: connection, session: session)
        self.logger = logger
        self.now = now
    }

    static func transport(for connection: LiveKitConnection, session: URLSession?) -> any TwirpTransport {
        if session == nil, connection.baseURL.scheme == "http" { return EventHTTPTransport(connection) }
        return URLSessionTransport(session: session ?? makeSession(connection), timeout: wholeSeconds(connection.connectTimeout))
    }

    static func makeSession(_ connection: LiveKitConnection, protocolClasses: [AnyClass]? = nil) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = wholeSeconds(connection.connectTimeout)
        configuration.timeoutIntervalForResource = wholeSeconds(connection.requestTimeout)
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        // FoundationNetworking's default is 6 connections per host: a burst of starts (egress
        // starts take seconds) queued behind them and timed out (-1001) before being sent.
        configuration.httpMaximumConnectionsPerHost = 64
        if let protocolClasses { configuration.protocolClasses = protocolClasses }
        return URLSession(configuration: configuration)
    }

    /// FoundationNetworking (Linux) truncates timeouts to whole seconds, so 0.5 s would time
    /// out at once (seen in TwirpTransportTests): round up, at least one second.
    static func wholeSeconds(_ interval: TimeInterval) -> TimeInterval {
        max(1, interval.rounded(.up))
    }

    func call<Response: Decodable>(
        service: String, method: String, body: some Encodable, grant: VideoGrant, as type: Response.Type = Response.self
    ) async throws(LiveKitError) -> Response {
        let token = accessToken(grant: grant)
        let body = try encode(body, method: method)
        // Twirp answers any other content type with `bad_route` (LIVEKIT.md "Calls").
        let headers = [
            (name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json"),
            (name: "Authorization", value: "Bearer \(token)"),
        ]
        let started = ContinuousClock.now
        let response = try await transport.post(connection.endpoint(service: service, method: method), headers: headers, body: body, method: method)
        logger?.debug("LiveKit call", ["livekit.method": "\(service)/\(method)", "http.status": String(response.status), "duration": "\(ContinuousClock.now - started)"])
        let data = response.body
        guard response.status == 200 else {
            throw Self.failure(status: response.status, body: data, token: token)
        }
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw .invalidResponse("\(method) answered 200 with a body that is not a \(Response.self): \(Self.describe(error))")
        }
    }

    private func accessToken(grant: VideoGrant) -> String {
        var token = AccessToken(apiKey: connection.apiKey, apiSecret: connection.apiSecret.value)
        token.video = grant
        token.ttl = connection.tokenTTL
        return token.toJWT(now: now())
    }

    private func encode(_ body: some Encodable, method: String) throws(LiveKitError) -> Data {
        do {
            return try Self.encoder.encode(body)
        } catch {
            throw .invalidResponse("could not encode the \(method) request: \(error)")
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Twirp's JSON error when there is one; else LiveKit's plain-text 401, else a bare HTTP status.
    static func failure(status: Int, body: Data, token: String) -> LiveKitError {
        if let error = try? JSONDecoder().decode(TwirpErrorBody.self, from: body), !error.code.isEmpty {
            return .twirp(TwirpError(code: error.code, message: redact(error.msg ?? "", token: token), httpStatus: status, meta: error.meta ?? [:]))
        }
        let text = excerpt(body, token: token)
        if status == 401 { return .unauthenticated(message: text) }
        return .httpStatus(status, body: text)
    }

    private struct TwirpErrorBody: Decodable {
        let code: String
        let msg: String?
        let meta: [String: String]?
    }

    /// The start of a body, for an error a person reads; a proxy that echoes headers must not leak the token.
    private static func excerpt(_ body: Data, token: String) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return redact(text, token: token)
    }

    private static func redact(_ text: String, token: String) -> String {
        text.replacingOccurrences(of: token, with: "<token>")
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
