import Foundation

/// What an S3 server said when it refused a request: the `<Error>` document of
/// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html plus the status.
public struct S3ErrorResponse: Sendable, Equatable {
    public var status: Int
    /// `NoSuchKey`, `AccessDenied`, `SignatureDoesNotMatch`…; nil when the body had none
    /// (HEAD responses never carry a body).
    public var code: String?
    public var message: String?
    public var requestID: String?

    public init(status: Int, code: String? = nil, message: String? = nil, requestID: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
    }
}

public enum S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// No HTTP answer: refused connection, DNS, TLS, timeout. Check `S3_ENDPOINT` and the network.
    case transport(URLError)
    /// 403, or a signature the server rejects: wrong `S3_ACCESS_KEY`/`S3_SECRET_KEY`, clock skew, or policy.
    case accessDenied(S3ErrorResponse)
    /// The bucket does not exist: create it or fix `S3_BUCKET`.
    case noSuchBucket(S3ErrorResponse)
    /// The object does not exist (GET on a missing key).
    case noSuchKey(S3ErrorResponse)
    /// Any other refusal (5xx, throttling, invalid argument…).
    case service(S3ErrorResponse)
    /// The server answered something that is not S3 (e.g. unparsable XML).
    case invalidResponse(String)
    /// The request cannot be built (bad endpoint URL, presign lifetime out of range).
    case invalidRequest(String)
    /// The downloaded file could not be written where asked.
    case localFile(String)

    /// Sorts an error answer into the cases callers act on.
    static func from(_ response: S3ErrorResponse) -> S3Error {
        switch response.code {
        case "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestTimeTooSkewed",
             "AuthorizationHeaderMalformed", "ExpiredToken", "InvalidToken":
            return .accessDenied(response)
        case "NoSuchBucket":
            return .noSuchBucket(response)
        case "NoSuchKey":
            return .noSuchKey(response)
        default:
            return response.status == 403 ? .accessDenied(response) : .service(response)
        }
    }

    public var description: String {
        switch self {
        case .transport(let error):
            "S3 endpoint unreachable (URLError \(error.code.rawValue)): check S3_ENDPOINT and that the server is up"
        case .accessDenied(let response):
            "S3 refused the credentials or policy (\(Self.summary(response))): check S3_ACCESS_KEY, S3_SECRET_KEY and the clock"
        case .noSuchBucket(let response):
            "S3 bucket does not exist (\(Self.summary(response))): create it or fix S3_BUCKET"
        case .noSuchKey(let response):
            "S3 object does not exist (\(Self.summary(response)))"
        case .service(let response):
            "S3 error (\(Self.summary(response)))"
        case .invalidResponse(let detail):
            "S3 answered something unexpected: \(detail)"
        case .invalidRequest(let detail):
            "S3 request cannot be built: \(detail)"
        case .localFile(let detail):
            "downloaded object cannot be stored: \(detail)"
        }
    }

    private static func summary(_ response: S3ErrorResponse) -> String {
        var parts = ["HTTP \(response.status)"]
        if let code = response.code { parts.append(code) }
        if let message = response.message { parts.append(message) }
        if let requestID = response.requestID { parts.append("request id \(requestID)") }
        return parts.joined(separator: ", ")
    }
}
