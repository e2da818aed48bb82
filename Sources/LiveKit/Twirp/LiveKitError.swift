/// A Twirp error as LiveKit sends it: `{"code": "...", "msg": "...", "meta": {...}}`.
public struct TwirpError: Sendable, Equatable {
    /// Twirp's code: `not_found`, `failed_precondition`, `unavailable`, `unauthenticated` …
    public var code: String
    public var message: String
    public var httpStatus: Int
    public var meta: [String: String]

    public init(code: String, message: String, httpStatus: Int, meta: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.meta = meta
    }
}

/// Why a call to LiveKit's server API failed. Each case is a different thing to do:
/// fix configuration (`invalidURL`, `unauthenticated`), try later (`connectionRefused`,
/// `timedOut`, `hostNotFound`, `httpStatus` 5xx, Twirp `unavailable`), or read LiveKit's
/// answer (`twirp`). Never carries the token or the API secret.
public enum LiveKitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `LIVEKIT_URL` cannot be used.
    case invalidURL(String)
    /// LiveKit answered with a Twirp error (JSON body).
    case twirp(TwirpError)
    /// A plain-text 401: LiveKit's auth middleware refused the token (bad key or secret,
    /// clock skew beyond a minute) before Twirp saw the request.
    case unauthenticated(message: String)
    /// A non-Twirp answer, e.g. a proxy's HTML 502: the status and the start of the body.
    case httpStatus(Int, body: String)
    /// Nothing listens at the address.
    case connectionRefused(String)
    /// No answer within the configured timeout.
    case timedOut(String)
    /// The host name does not resolve.
    case hostNotFound(String)
    /// Any other transport failure (TLS, reset connection …).
    case transport(String)
    /// A 200 whose body is not the message the call returns.
    case invalidResponse(String)

    /// The Twirp code when LiveKit sent one (a plain-text 401 counts as `unauthenticated`).
    public var twirpCode: String? {
        switch self {
        case .twirp(let error): error.code
        case .unauthenticated: "unauthenticated"
        default: nil
        }
    }

    /// Worth trying again later without changing anything.
    public var isTransient: Bool {
        switch self {
        case .connectionRefused, .timedOut, .hostNotFound, .transport: true
        case .httpStatus(let status, _): status >= 500 || status == 429
        case .twirp(let error): ["unavailable", "deadline_exceeded", "internal", "resource_exhausted", "unknown"].contains(error.code)
        case .invalidURL, .unauthenticated, .invalidResponse: false
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let reason): "LIVEKIT_URL is not usable: \(reason)"
        case .twirp(let error): "LiveKit answered \(error.httpStatus) \(error.code): \(error.message)"
        case .unauthenticated(let message): "LiveKit refused our token (401: \(message)); check LIVEKIT_API_KEY, LIVEKIT_API_SECRET and the clock"
        case .httpStatus(let status, let body): "LiveKit (or a proxy in front of it) answered HTTP \(status) without a Twirp error: \(body)"
        case .connectionRefused(let detail): "LiveKit refused the connection; is it running at LIVEKIT_URL? (\(detail))"
        case .timedOut(let detail): "LiveKit did not answer in time (\(detail))"
        case .hostNotFound(let detail): "LiveKit's host name does not resolve; check LIVEKIT_URL (\(detail))"
        case .transport(let detail): "could not reach LiveKit: \(detail)"
        case .invalidResponse(let detail): "LiveKit's answer could not be read: \(detail)"
        }
    }
}
