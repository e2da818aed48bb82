import Foundation
import RecordingService
import S3

/// The bucket, as the recording domain sees it, over the S3 module's client.
struct S3Adapter: ObjectStorage {
    let client: S3Client
    let metrics: ServiceMetrics

    func head(key: String) async throws(ObjectStorageFailure) -> StoredObject? {
        let head = try await call("head") { () async throws(S3Error) in try await client.headObject(key: key) }
        return head.map { StoredObject(key: key, size: $0.size, contentType: $0.contentType) }
    }

    func delete(key: String) async throws(ObjectStorageFailure) {
        try await call("delete") { () async throws(S3Error) in try await client.deleteObject(key: key) }
    }

    func downloadURL(key: String, fileName: String, ttl: TimeInterval, now: Date) throws(ObjectStorageFailure) -> URL {
        do {
            return try client.presignedGetURL(
                key: key, expires: max(1, Int(ttl)), responseContentDisposition: ContentDisposition.attachment(fileName: fileName), now: now)
        } catch {
            throw ObjectStorageFailure(error)
        }
    }

    func checkBucket() async throws(ObjectStorageFailure) {
        try await call("head_bucket") { () async throws(S3Error) in try await client.headBucket() }
    }

    private func call<T>(_ operation: String, _ body: () async throws(S3Error) -> T) async throws(ObjectStorageFailure) -> T {
        do {
            let result = try await body()
            metrics.storageCall(operation: operation, outcome: "ok")
            return result
        } catch {
            let failure = ObjectStorageFailure(error)
            metrics.storageCall(operation: operation, outcome: failure.metricOutcome)
            throw failure
        }
    }
}

extension ObjectStorageFailure {
    init(_ error: S3Error) {
        switch error {
        case .accessDenied: self = .accessDenied(error.description)
        case .noSuchBucket: self = .noSuchBucket(error.description)
        case .transport: self = .unavailable(error.description)
        case .service(let response) where response.status >= 500: self = .unavailable(error.description)
        default: self = .invalid(error.description)
        }
    }

    var metricOutcome: String {
        switch self {
        case .unavailable: "unavailable"
        case .accessDenied: "access_denied"
        case .noSuchBucket: "no_such_bucket"
        case .invalid: "error"
        }
    }
}
