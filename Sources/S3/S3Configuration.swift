import Foundation

/// Where the bucket lives and how to reach it. Printing a configuration never
/// shows the secret key, and only the first characters of the access key.
public struct S3Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Where this service sends its requests (e.g. `http://minio:9000`).
    public var endpoint: URL
    /// The host presigned download links point at (what a phone can reach);
    /// defaults to `endpoint`. The signature covers this host, not `endpoint`'s.
    public var publicEndpoint: URL
    public var region: String
    public var bucket: String
    public var accessKey: String
    public var secretKey: String
    /// `endpoint/bucket/key` instead of `bucket.endpoint/key`: MinIO and moto
    /// need it unless wildcard DNS is set up for buckets.
    public var forcePathStyle: Bool
    /// Longest wait for a response to start or for the next bytes of it.
    public var requestTimeout: TimeInterval
    /// Longest a whole transfer (`getObject`, `putObject`) may take.
    public var transferTimeout: TimeInterval

    public init(
        endpoint: URL, publicEndpoint: URL? = nil, region: String = "us-east-1", bucket: String,
        accessKey: String, secretKey: String, forcePathStyle: Bool = true,
        requestTimeout: TimeInterval = 30, transferTimeout: TimeInterval = 3600
    ) {
        self.endpoint = endpoint
        self.publicEndpoint = publicEndpoint ?? endpoint
        self.region = region
        self.bucket = bucket
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.forcePathStyle = forcePathStyle
        self.requestTimeout = requestTimeout
        self.transferTimeout = transferTimeout
    }

    public var credentials: SigV4Credentials { SigV4Credentials(accessKeyID: accessKey, secretAccessKey: secretKey) }

    public var description: String {
        "S3Configuration(endpoint: \(endpoint.absoluteString), publicEndpoint: \(publicEndpoint.absoluteString), "
            + "region: \(region), bucket: \(bucket), accessKey: \(SigV4Credentials.redacted(accessKey)), "
            + "secretKey: <redacted>, forcePathStyle: \(forcePathStyle))"
    }

    public var debugDescription: String { description }
}

// MARK: - Addressing

extension S3Configuration {
    /// The object's URL on `base` (the endpoint or the public endpoint): the key is
    /// encoded with SigV4's rules (slashes kept), so the path sent is the path signed.
    func objectURL(key: String, on base: URL, query: [(String, String)] = []) -> URL? {
        url(on: base, path: URIEncoding.encodePath(key), query: query)
    }

    /// The bucket itself (list, head bucket).
    func bucketURL(query: [(String, String)] = []) -> URL? {
        url(on: endpoint, path: "", query: query)
    }

    private func url(on base: URL, path encodedPath: String, query: [(String, String)]) -> URL? {
        guard var components = URLComponents(url: base, resolvingAgainstBaseURL: false), let host = components.host else { return nil }
        var basePath = components.percentEncodedPath
        while basePath.hasSuffix("/") { basePath.removeLast() }
        if forcePathStyle {
            components.percentEncodedPath = basePath + "/" + URIEncoding.encode(bucket) + "/" + encodedPath
        } else {
            components.host = "\(bucket).\(host)"
            components.percentEncodedPath = basePath + "/" + encodedPath
        }
        // A bucket URL in path style is `/bucket`, not `/bucket/`: S3 treats both alike,
        // but the canonical URI must match what is sent, so keep one spelling.
        if encodedPath.isEmpty, forcePathStyle { components.percentEncodedPath.removeLast() }
        components.percentEncodedQuery = query.isEmpty
            ? nil
            : query.map { "\(URIEncoding.encode($0.0))=\(URIEncoding.encode($0.1))" }.joined(separator: "&")
        return components.url
    }
}
