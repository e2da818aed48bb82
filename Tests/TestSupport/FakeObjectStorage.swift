import Foundation
import RecordingService
import Synchronization

/// An in-memory bucket with S3's semantics where the domain relies on them
/// (deleting a missing key succeeds, HEAD of a missing key is nil) and switches
/// to make it fail.
public final class FakeObjectStorage: ObjectStorage {
    private struct State {
        var objects: [String: StoredObject] = [:]
        var failure: ObjectStorageFailure?
        var headCalls = 0
        var deleted: [String] = []
    }

    private let state = Mutex(State())
    public let bucket: String

    public init(bucket: String = "livekit-recordings") {
        self.bucket = bucket
    }

    public func put(key: String, size: Int64, contentType: String? = "video/mp4") {
        state.withLock { $0.objects[key] = StoredObject(key: key, size: size, contentType: contentType) }
    }

    public func object(key: String) -> StoredObject? { state.withLock { $0.objects[key] } }
    public var keys: [String] { state.withLock { $0.objects.keys.sorted() } }
    public var headCalls: Int { state.withLock { $0.headCalls } }
    /// Every key a delete was asked for, in order (also keys that were not there).
    public var deletedKeys: [String] { state.withLock { $0.deleted } }

    /// Every call fails with `failure` until set back to nil.
    public func fail(with failure: ObjectStorageFailure?) {
        state.withLock { $0.failure = failure }
    }

    public func head(key: String) async throws(ObjectStorageFailure) -> StoredObject? {
        try state.withLock { state throws(ObjectStorageFailure) -> StoredObject? in
            state.headCalls += 1
            if let failure = state.failure { throw failure }
            return state.objects[key]
        }
    }

    public func delete(key: String) async throws(ObjectStorageFailure) {
        try state.withLock { state throws(ObjectStorageFailure) in
            if let failure = state.failure { throw failure }
            state.deleted.append(key)
            state.objects[key] = nil
        }
    }

    public func downloadURL(key: String, fileName: String, ttl: TimeInterval, now: Date) throws(ObjectStorageFailure) -> URL {
        if let failure = state.withLock({ $0.failure }) { throw failure }
        var components = URLComponents()
        components.scheme = "https"
        components.host = "s3.test"
        components.path = "/\(bucket)/\(key)"
        components.queryItems = [
            URLQueryItem(name: "response-content-disposition", value: "attachment; filename=\"\(fileName)\""),
            URLQueryItem(name: "X-Amz-Date", value: String(Int(now.timeIntervalSince1970))),
            URLQueryItem(name: "X-Amz-Expires", value: String(Int(ttl))),
        ]
        return components.url!
    }

    public func checkBucket() async throws(ObjectStorageFailure) {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }
}
