import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// Calls LiveKit's Twirp services with JSON: `POST {base}/twirp/livekit.{Service}/{Method}`.
///
/// Every call carries a fresh token that lives `tokenTTL` and grants only what that
/// call needs, so a token seen in a proxy log is worth little.
final class TwirpClient: Sendable {
    let connection: LiveKitConnection
    private let session: URLSession
    private let logger: Logger?
    private let now: @Sendable () -> Date

    init(connection: LiveKitConnection, session: URLSession? = nil, logger: Logger? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.connection = connection
        self.session = session ?? Self.makeSession(connection)
        self.logger = logger
        self.now = now
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
        var request = URLRequest(url: connection.endpoint(service: service, method: method))
        request.httpMethod = "POST"
        // Twirp answers any other content type with `bad_route` (LIVEKIT.md "Calls").
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = Self.wholeSeconds(connection.connectTimeout)
        do {
            request.httpBody = try Self.encoder.encode(body)
        } catch {
            throw .invalidResponse("could not encode the \(method) request: \(error)")
        }

        let started = ContinuousClock.now
        let (data, response) = try await send(request, method: method, token: token)
        logger?.debug("LiveKit call", ["livekit.method": "\(service)/\(method)", "http.status": String(response.statusCode), "duration": "\(ContinuousClock.now - started)"])
        guard response.statusCode == 200 else {
            throw Self.failure(status: response.statusCode, body: data, token: token)
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

    private func send(_ request: URLRequest, method: String, token: String) async throws(LiveKitError) -> (Data, HTTPURLResponse) {
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
        return (data, http)
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
