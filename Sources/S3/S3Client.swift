import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// The few S3 calls the recording service makes (HEAD, GET to a file, DELETE,
/// ListObjectsV2, HEAD bucket, PUT for tests) over URLSession, signed with SigV4,
/// plus presigned GET links on the public endpoint. A class so that its
/// URLSession (and libcurl's connections) is released with it.
public final class S3Client: Sendable {
    public let configuration: S3Configuration
    let signer: SigV4Signer
    private let session: URLSession
    private let logger: Logger?

    public init(configuration: S3Configuration, logger: Logger? = nil) {
        self.configuration = configuration
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.requestTimeout
        sessionConfiguration.timeoutIntervalForResource = configuration.transferTimeout
        sessionConfiguration.httpCookieStorage = nil
        sessionConfiguration.urlCache = nil
        self.session = URLSession(configuration: sessionConfiguration)
        self.logger = logger?.labelled("s3")
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    // MARK: Objects

    /// Size, type, ETag and metadata of `key`, or nil when there is no such object.
    /// HEAD answers carry no error document, so a missing bucket also reads as nil
    /// here; `headBucket()` tells the two apart.
    public func headObject(key: String) async throws(S3Error) -> ObjectHead? {
        let (body, response) = try await send("HEAD", objectURL(key))
        if response.statusCode == 404 { return nil }
        try Self.check(response, body: body)
        return ObjectHead(
            key: key,
            size: response.value(forHTTPHeaderField: "Content-Length").flatMap { Int64($0) } ?? 0,
            contentType: response.value(forHTTPHeaderField: "Content-Type"),
            etag: response.value(forHTTPHeaderField: "ETag"),
            lastModified: response.value(forHTTPHeaderField: "Last-Modified").flatMap(Self.parseHTTPDate),
            metadata: Self.metadata(of: response))
    }

    /// Downloads `key` into `fileURL` (replacing it). URLSession streams the body to a
    /// temporary file, so a recording of any size never sits in memory.
    public func getObject(key: String, to fileURL: URL) async throws(S3Error) {
        let request = try signedRequest("GET", objectURL(key), timeout: configuration.transferTimeout)
        let started = ContinuousClock.now
        let temporary: URL, response: URLResponse
        do {
            (temporary, response) = try await session.download(for: request)
        } catch {
            throw Self.transportError(error)
        }
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard let http = response as? HTTPURLResponse else { throw .invalidResponse("not an HTTP response") }
        log("GET", key: key, status: http.statusCode, since: started)
        guard (200..<300).contains(http.statusCode) else {
            // The error document went to the file like any body would have.
            let body = (try? Data(contentsOf: temporary)) ?? Data()
            throw S3Error.from(S3XML.errorResponse(status: http.statusCode, body: body))
        }
        do {
            if FileManager.default.fileExists(atPath: fileURL.path) { try FileManager.default.removeItem(at: fileURL) }
            try FileManager.default.moveItem(at: temporary, to: fileURL)
        } catch {
            throw .localFile("\(fileURL.path): \(error.localizedDescription)")
        }
    }

    /// Deleting a missing object succeeds, as in S3 itself (204 either way).
    public func deleteObject(key: String) async throws(S3Error) {
        let (body, response) = try await send("DELETE", objectURL(key))
        if response.statusCode == 404, S3XML.errorResponse(status: 404, body: body).code != "NoSuchBucket" { return }
        try Self.check(response, body: body)
    }

    /// Uploads `data` in one PUT (Egress does the real uploads; this serves tests and tools).
    public func putObject(key: String, data: Data, contentType: String? = nil, metadata: [String: String] = [:]) async throws(S3Error) {
        var headers: [String: String] = [:]
        if let contentType { headers["Content-Type"] = contentType }
        for (name, value) in metadata { headers["x-amz-meta-\(name.lowercased())"] = value }
        let (body, response) = try await send("PUT", objectURL(key), headers: headers, body: data)
        try Self.check(response, body: body)
    }

    /// A GET link on the public endpoint, valid `expires` seconds from `now`. With
    /// `responseContentDisposition`, S3 answers with that `Content-Disposition`, so the
    /// browser saves the file under a readable name (see `ContentDisposition`).
    public func presignedGetURL(
        key: String, expires: Int, responseContentDisposition: String? = nil, now: Date = Date()
    ) throws(S3Error) -> URL {
        let query = responseContentDisposition.map { [("response-content-disposition", $0)] } ?? []
        guard let url = configuration.objectURL(key: key, on: configuration.publicEndpoint, query: query) else {
            throw .invalidRequest("S3 public endpoint \(configuration.publicEndpoint.absoluteString) has no host")
        }
        do {
            return try signer.presignURL(method: "GET", url: url, expires: expires, date: now)
        } catch {
            throw .invalidRequest(error.description)
        }
    }

    // MARK: Bucket

    /// Succeeds when the bucket exists and the credentials may use it (for readiness).
    public func headBucket() async throws(S3Error) {
        let url = try bucketURL()
        let (body, response) = try await send("HEAD", url)
        // HEAD has no body to carry the code, so the status says which failure it is.
        switch response.statusCode {
        case 404: throw .noSuchBucket(S3ErrorResponse(status: 404, code: "NoSuchBucket", requestID: Self.requestID(response)))
        case 403: throw .accessDenied(S3ErrorResponse(status: 403, code: "AccessDenied", requestID: Self.requestID(response)))
        default: try Self.check(response, body: body)
        }
    }

    /// One page of keys under `prefix`, at most `maxKeys` (S3 caps pages at 1000).
    public func listObjectsV2(prefix: String? = nil, continuationToken: String? = nil, maxKeys: Int? = nil) async throws(S3Error) -> ListObjectsPage {
        var query = [("list-type", "2")]
        if let prefix { query.append(("prefix", prefix)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        let (body, response) = try await send("GET", bucketURL(query: query))
        try Self.check(response, body: body)
        return try S3XML.listPage(body)
    }

    /// Every key under `prefix`, following continuation tokens to the last page.
    public func listAllObjects(prefix: String? = nil, pageSize: Int? = nil) async throws(S3Error) -> [ListedObject] {
        var objects: [ListedObject] = []
        var token: String?
        repeat {
            let page = try await listObjectsV2(prefix: prefix, continuationToken: token, maxKeys: pageSize)
            objects += page.objects
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return objects
    }
}

// MARK: - Sending

extension S3Client {
    func objectURL(_ key: String) throws(S3Error) -> URL {
        guard let url = configuration.objectURL(key: key, on: configuration.endpoint) else {
            throw .invalidRequest("S3 endpoint \(configuration.endpoint.absoluteString) has no host")
        }
        return url
    }

    func bucketURL(query: [(String, String)] = []) throws(S3Error) -> URL {
        guard let url = configuration.bucketURL(query: query) else {
            throw .invalidRequest("S3 endpoint \(configuration.endpoint.absoluteString) has no host")
        }
        return url
    }

    func signedRequest(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil, timeout: TimeInterval? = nil, date: Date = Date()
    ) throws(S3Error) -> URLRequest {
        let payloadHash = body.map { Hex.encode(SHA256.hash($0)) } ?? SigV4Signer.emptyPayloadHash
        var request = URLRequest(url: url, timeoutInterval: timeout ?? configuration.requestTimeout)
        request.httpMethod = method
        request.httpBody = body
        // URLSession writes Host itself, from the same URL and by the same rule the signer uses.
        for (name, value) in signer.signHeaders(method: method, url: url, headers: headers, payloadHash: payloadHash, date: date) where name != "host" {
            request.setValue(value, forHTTPHeaderField: name)
        }
        return request
    }

    func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil) async throws(S3Error) -> (Data, HTTPURLResponse) {
        let request = try signedRequest(method, url, headers: headers, body: body, timeout: body == nil ? nil : configuration.transferTimeout)
        let started = ContinuousClock.now
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw Self.transportError(error)
        }
        guard let http = response as? HTTPURLResponse else { throw .invalidResponse("not an HTTP response") }
        log(method, key: url.path(percentEncoded: false), status: http.statusCode, since: started)
        return (data, http)
    }

    static func check(_ response: HTTPURLResponse, body: Data) throws(S3Error) {
        guard !(200..<300).contains(response.statusCode) else { return }
        var parsed = S3XML.errorResponse(status: response.statusCode, body: body)
        parsed.requestID = parsed.requestID ?? requestID(response)
        throw S3Error.from(parsed)
    }

    static func transportError(_ error: any Error) -> S3Error {
        if let urlError = error as? URLError { return .transport(urlError) }
        return .transport(URLError(.unknown, userInfo: [NSLocalizedDescriptionKey: "\(error)"]))
    }

    static func requestID(_ response: HTTPURLResponse) -> String? {
        response.value(forHTTPHeaderField: "x-amz-request-id")
    }

    static func metadata(of response: HTTPURLResponse) -> [String: String] {
        var metadata: [String: String] = [:]
        for case let (name as String, value as String) in response.allHeaderFields {
            let lowered = name.lowercased()
            if lowered.hasPrefix("x-amz-meta-") { metadata[String(lowered.dropFirst("x-amz-meta-".count))] = value }
        }
        return metadata
    }

    /// `Last-Modified` is an IMF-fixdate (RFC 9110 §5.6.7).
    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    private func log(_ method: String, key: String, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        logger?.debug("s3 request", ["method": method, "s3.key": key, "http.status": String(status), "duration_ms": String(milliseconds)])
    }
}
