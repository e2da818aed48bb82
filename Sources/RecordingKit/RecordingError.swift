import Foundation
import RecordingModels

/// Everything a call to the Recording API can fail with, decided from the API's
/// `{"success":false,"code","error"}` body (DESIGN.md) and the HTTP status.
/// Every case carries a sentence for display: the server's own message when there is one.
public enum RecordingError: Error, Sendable, Equatable {
    /// The room already has an active recording; `egressId` names it when the server said so.
    case alreadyRecording(egressId: String?, message: String)
    /// LiveKit has no such room (nobody is in the call).
    case roomNotFound(message: String)
    /// No recording with that id.
    case notFound(message: String)
    /// The token is missing, invalid or expired (`unauthorized`, `token_expired`).
    case unauthorized(message: String)
    /// The token is valid but may not do this (e.g. a participant of another room).
    case forbidden(message: String)
    /// Too many requests; try again after `retryAfter` seconds when the server said.
    case rateLimited(retryAfter: TimeInterval?, message: String)
    /// 503: LiveKit (`livekit_unavailable`), storage or the database is down for now.
    case serviceUnavailable(retryAfter: TimeInterval?, message: String)
    /// The recording has not ended yet, so there is no file to download.
    case notReady(message: String)
    /// The recording ended but its file is not in the bucket.
    case fileMissing(message: String)
    /// The request was refused as it is (400, 405, 409 other than `already_recording`, 413, …).
    case invalidRequest(code: String, message: String)
    /// Any other answer from the server (5xx, or a body that is not the error shape).
    case server(status: Int, code: String?, message: String)
    /// Egress reported the recording failed or aborted (seen while following it).
    case recordingFailed(egressId: String, message: String)
    /// The request did not get an HTTP answer (offline, DNS, timeout, connection reset).
    case transport(String)
    /// The answer was not the JSON the contract promises.
    case decoding(String)
    /// The calling task was cancelled before an answer came.
    case cancelled

    /// A sentence for a person: the server's message where there is one.
    public var message: String {
        switch self {
        case .alreadyRecording(_, let message), .roomNotFound(let message), .notFound(let message),
             .unauthorized(let message), .forbidden(let message), .rateLimited(_, let message),
             .serviceUnavailable(_, let message), .notReady(let message), .fileMissing(let message),
             .invalidRequest(_, let message), .server(_, _, let message), .recordingFailed(_, let message):
            message
        case .transport(let description):
            "Could not reach the recording service: \(description)"
        case .decoding(let description):
            "The recording service answered with something unexpected: \(description)"
        case .cancelled:
            "The request was cancelled."
        }
    }

    /// Worth trying again as is: the request may succeed later without any change.
    public var isTransient: Bool {
        switch self {
        case .transport, .rateLimited, .serviceUnavailable: true
        case .server(let status, _, _): status == 502 || status == 504
        default: false
        }
    }

    /// How long the server asked us to wait, if it did.
    public var retryAfter: TimeInterval? {
        switch self {
        case .rateLimited(let retryAfter, _), .serviceUnavailable(let retryAfter, _): retryAfter
        default: nil
        }
    }
}

extension RecordingError: LocalizedError {
    public var errorDescription: String? { message }
}

extension RecordingError {
    /// Builds the error for a non-2xx answer. The `code` decides where the server sent one;
    /// the status decides otherwise (a proxy's HTML 502 has no code).
    init(status: Int, body: Data, retryAfterHeader: String?, now: Date = Date()) {
        let decoded = try? JSONDecoder().decode(ErrorResponse.self, from: body)
        let code = decoded?.code
        let message = decoded?.error ?? Self.fallbackMessage(status: status)
        let retryAfter = RetryAfter.seconds(header: retryAfterHeader, now: now)
            ?? decoded?.retryAfterSeconds.map(TimeInterval.init)
        self = Self.classify(status: status, code: code, message: message, egressId: decoded?.egressId, retryAfter: retryAfter)
    }

    private static func classify(status: Int, code: String?, message: String, egressId: String?, retryAfter: TimeInterval?) -> RecordingError {
        switch code {
        case APIErrorCode.alreadyRecording: return .alreadyRecording(egressId: egressId, message: message)
        case APIErrorCode.roomNotFound: return .roomNotFound(message: message)
        case APIErrorCode.notFound: return .notFound(message: message)
        case APIErrorCode.unauthorized, APIErrorCode.tokenExpired: return .unauthorized(message: message)
        case APIErrorCode.forbidden: return .forbidden(message: message)
        case APIErrorCode.rateLimited: return .rateLimited(retryAfter: retryAfter, message: message)
        case APIErrorCode.livekitUnavailable: return .serviceUnavailable(retryAfter: retryAfter, message: message)
        case APIErrorCode.notReady: return .notReady(message: message)
        case APIErrorCode.fileMissing: return .fileMissing(message: message)
        default: break
        }
        switch status {
        case 401: return .unauthorized(message: message)
        case 403: return .forbidden(message: message)
        case 404 where code == nil: return .notFound(message: message)
        case 429: return .rateLimited(retryAfter: retryAfter, message: message)
        case 503: return .serviceUnavailable(retryAfter: retryAfter, message: message)
        case 400..<500: return .invalidRequest(code: code ?? "http_\(status)", message: message)
        default: return .server(status: status, code: code, message: message)
        }
    }

    private static func fallbackMessage(status: Int) -> String {
        switch status {
        case 502, 504: "The recording service could not reach a service it depends on (HTTP \(status)). Try again shortly."
        case 503: "The recording service is unavailable right now (HTTP 503). Try again shortly."
        default: "The recording service answered HTTP \(status) without an explanation."
        }
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
enum RetryAfter {
    static func seconds(header: String?, now: Date) -> TimeInterval? {
        guard let text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Int(text) { return seconds >= 0 ? TimeInterval(seconds) : nil }
        guard let date = httpDate(text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        // IMF-fixdate, the form senders must use; the obsolete forms are rare enough to ignore.
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
