import Crypto
import Foundation

/// AWS Signature Version 4, without networking: it turns a request (method, URL,
/// headers, payload hash) and a moment into the headers or the query that
/// authenticate it. Time is a parameter so that known-answer tests pin it.
/// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
public struct SigV4Signer: Sendable {
    /// How the canonical URI is derived from the path on the wire.
    public enum PathEncoding: Sendable {
        /// S3 signs each segment of the *decoded* path encoded once: decoding what the
        /// URL carries first makes `%20` and a raw space sign the same way.
        case s3
        /// Every other service URI-encodes the path *as sent* once more, so an
        /// escape on the wire (`%20`) is signed as `%2520`.
        case doubleEncoded
    }

    /// What a presigned URL signs instead of a body hash (S3 only).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of no bytes: the payload hash of GET, HEAD and DELETE.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// AWS caps presigned URLs at seven days.
    public static let expiresRange = 1...604_800
    static let algorithm = "AWS4-HMAC-SHA256"

    public let credentials: SigV4Credentials
    public let region: String
    public let service: String
    public let pathEncoding: PathEncoding

    public init(credentials: SigV4Credentials, region: String, service: String = "s3", pathEncoding: PathEncoding = .s3) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.pathEncoding = pathEncoding
    }

    /// The headers to send: `headers` plus `host`, `x-amz-date`, `authorization` and,
    /// for S3 (which rejects requests without it), `x-amz-content-sha256`.
    /// Every header in `headers` is signed; names come back lowercased.
    public func signHeaders(
        method: String, url: URL, headers: [String: String] = [:], payloadHash: String, date: Date = Date()
    ) -> [String: String] {
        let stamp = SigningTimestamp(date)
        var fields = headers.map { (name: $0.key.lowercased(), value: $0.value) }
        let computed = service == "s3" ? ["host", "x-amz-date", "authorization", "x-amz-content-sha256"] : ["host", "x-amz-date", "authorization"]
        fields.removeAll { computed.contains($0.name) }
        fields.append((name: "host", value: Self.hostHeader(for: url)))
        fields.append((name: "x-amz-date", value: stamp.dateTime))
        if service == "s3" { fields.append((name: "x-amz-content-sha256", value: payloadHash)) }

        let canonical = CanonicalRequest(
            method: method, canonicalURI: canonicalURI(url), query: Self.queryItems(of: url),
            headers: fields, payloadHash: payloadHash)
        let signature = signature(for: canonical, at: stamp)
        var result: [String: String] = [:]
        for field in fields { result[field.name] = result[field.name].map { "\($0),\(field.value)" } ?? field.value }
        result["authorization"] = "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(stamp)), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return result
    }

    /// A URL anyone can `method` until `date + expires` seconds, signed for the `host`
    /// header only. Query items already in `url` (such as `response-content-disposition`)
    /// are signed in, so they cannot be altered without breaking the signature.
    public func presignURL(
        method: String = "GET", url: URL, expires: Int, date: Date = Date()
    ) throws(SigV4Error) -> URL {
        let payloadHash = service == "s3" ? Self.unsignedPayload : Self.emptyPayloadHash
        return try presignURL(method: method, url: url, expires: expires, payloadHash: payloadHash, date: date)
    }

    func presignURL(
        method: String, url: URL, expires: Int, payloadHash: String, date: Date
    ) throws(SigV4Error) -> URL {
        guard Self.expiresRange.contains(expires) else { throw .expiresOutOfRange(expires) }
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false), url.host != nil else {
            throw .invalidURL(url.absoluteString)
        }
        let stamp = SigningTimestamp(date)
        let query = Self.queryItems(of: url) + [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp))"),
            ("X-Amz-Date", stamp.dateTime),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        let canonical = CanonicalRequest(
            method: method, canonicalURI: canonicalURI(url), query: query,
            headers: [(name: "host", value: Self.hostHeader(for: url))], payloadHash: payloadHash)
        let signature = signature(for: canonical, at: stamp)
        components.percentEncodedQuery = canonical.canonicalQuery + "&X-Amz-Signature=" + signature
        guard let signed = components.url else { throw .invalidURL(url.absoluteString) }
        return signed
    }
}

public enum SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// AWS accepts 1 second to 7 days (604800 s).
    case expiresOutOfRange(Int)
    /// The URL has no host, or cannot be rebuilt after signing.
    case invalidURL(String)

    public var description: String {
        switch self {
        case .expiresOutOfRange(let seconds): "presigned URL lifetime \(seconds)s is outside 1...604800 seconds"
        case .invalidURL(let url): "cannot sign URL without a host: \(url)"
        }
    }
}

// MARK: - The steps of the algorithm

extension SigV4Signer {
    func scope(_ stamp: SigningTimestamp) -> String {
        "\(stamp.date)/\(region)/\(service)/aws4_request"
    }

    func stringToSign(_ canonical: CanonicalRequest, at stamp: SigningTimestamp) -> String {
        [Self.algorithm, stamp.dateTime, scope(stamp), Hex.encode(SHA256.hash(canonical.text))].joined(separator: "\n")
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
    func signingKey(at stamp: SigningTimestamp) -> [UInt8] {
        var key = Array("AWS4\(credentials.secretAccessKey)".utf8)
        for part in [stamp.date, region, service, "aws4_request"] {
            key = HMACSHA256.authenticationCode(for: part, key: key)
        }
        return key
    }

    func signature(for canonical: CanonicalRequest, at stamp: SigningTimestamp) -> String {
        Hex.encode(HMACSHA256.authenticationCode(for: stringToSign(canonical, at: stamp), key: signingKey(at: stamp)))
    }

    func canonicalURI(_ url: URL) -> String {
        canonicalURI(wirePath: url.path(percentEncoded: true))
    }

    func canonicalURI(wirePath: String) -> String {
        let path = wirePath.isEmpty ? "/" : wirePath
        switch pathEncoding {
        case .s3:
            return path.split(separator: "/", omittingEmptySubsequences: false)
                .map { URIEncoding.encode(String($0).removingPercentEncoding ?? String($0)) }
                .joined(separator: "/")
        case .doubleEncoded:
            return URIEncoding.encode(path, keepingSlash: true)
        }
    }

    /// Decoded name/value pairs of the URL's query; `a` and `a=` both mean an empty value.
    static func queryItems(of url: URL) -> [(String, String)] {
        guard let query = url.query(percentEncoded: true), !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in String(text).removingPercentEncoding ?? String(text) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// HTTP clients send the port in `Host` only when it is not the scheme's default,
    /// and the signature must cover exactly what is sent.
    static func hostHeader(for url: URL) -> String {
        let host = url.host(percentEncoded: false) ?? ""
        guard let port = url.port else { return host }
        let isDefault = (url.scheme == "http" && port == 80) || (url.scheme == "https" && port == 443)
        return isDefault ? host : "\(host):\(port)"
    }
}
