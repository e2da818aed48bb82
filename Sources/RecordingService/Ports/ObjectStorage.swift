import Foundation

/// What the recording domain needs from the bucket Egress uploads to.
/// RecordingServer adapts the S3 module's client to it; tests use an in-memory fake.
public protocol ObjectStorage: Sendable {
    /// Size and type of an object, or nil when there is none.
    func head(key: String) async throws(ObjectStorageFailure) -> StoredObject?
    /// Deleting a missing object is not an error (S3 semantics).
    func delete(key: String) async throws(ObjectStorageFailure)
    /// A GET link valid for `ttl`, served from the public endpoint, that downloads as `fileName`.
    func downloadURL(key: String, fileName: String, ttl: TimeInterval, now: Date) throws(ObjectStorageFailure) -> URL
    /// The bucket answers (for `/ready`).
    func checkBucket() async throws(ObjectStorageFailure)
}

public struct StoredObject: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var contentType: String?

    public init(key: String, size: Int64, contentType: String? = nil) {
        self.key = key
        self.size = size
        self.contentType = contentType
    }
}

public enum ObjectStorageFailure: Error, Sendable, Equatable {
    /// Unreachable, 5xx, timeout.
    case unavailable(String)
    /// 403 or signature errors: wrong keys or policy.
    case accessDenied(String)
    case noSuchBucket(String)
    case invalid(String)
}

/// The message alone, for logs and `/ready` (the enum's default text wraps and escapes it).
extension ObjectStorageFailure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unavailable(let message), .invalid(let message): message
        case .accessDenied(let message): "access denied: \(message)"
        case .noSuchBucket(let message): "no such bucket: \(message)"
        }
    }
}
