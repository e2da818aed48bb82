import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import S3

/// Against the stack's moto server (TEST_S3_ENDPOINT, bucket livekit-recordings).
/// That moto accepts any credentials, so signature rejection is tested further
/// down against a moto that verifies them.
@Suite("S3: client against the S3 server", .enabled(if: IntegrationEnvironment.runs(with: "TEST_S3_ENDPOINT")))
struct S3IntegrationTests {
    static func client(bucket: String = "livekit-recordings", endpoint: String? = nil) throws -> S3Client {
        let url = try #require(URL(string: try endpoint ?? IntegrationEnvironment.required("TEST_S3_ENDPOINT")))
        return S3Client(configuration: S3Configuration(
            endpoint: url, bucket: bucket, accessKey: "test-access-key", secretKey: "test-secret-key", requestTimeout: 10))
    }

    static func uniquePrefix() -> String { "s3-tests/\(UUID().uuidString.lowercased())/" }

    static func randomBytes(_ count: Int) -> Data { Data(SecureRandom.bytes(count: count)) }

    @Test func objectLifeCycle() async throws {
        let client = try Self.client()
        let key = Self.uniquePrefix() + "Réunion !abc123:example.org +1 (draft)_20240127T120000Z.mp4"
        let bytes = Self.randomBytes(3 * 1024 * 1024 + 17)
        try await client.putObject(key: key, data: bytes, contentType: "video/mp4", metadata: ["room": "abc123"])

        let head = try #require(try await client.headObject(key: key))
        #expect(head.size == Int64(bytes.count))
        #expect(head.contentType == "video/mp4")
        #expect(head.metadata["room"] == "abc123")
        #expect(head.etag?.isEmpty == false)

        // A plain, unsigned GET of the presigned link, as the phone will do it.
        let disposition = ContentDisposition.attachment(fileName: "Réunion !abc123:example.org.mp4")
        let link = try client.presignedGetURL(key: key, expires: 300, responseContentDisposition: disposition)
        let (downloaded, response) = try await URLSession.shared.data(from: link)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(downloaded == bytes)
        #expect(http.value(forHTTPHeaderField: "Content-Disposition") == disposition)

        let file = FileManager.default.temporaryDirectory.appending(path: "s3-get-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: file) }
        try await client.getObject(key: key, to: file)
        #expect(try Data(contentsOf: file) == bytes)

        try await client.deleteObject(key: key)
        #expect(try await client.headObject(key: key) == nil)
    }

    @Test func listingFollowsContinuationTokens() async throws {
        let client = try Self.client()
        let prefix = Self.uniquePrefix()
        let keys = (1...5).map { "\(prefix)room \($0).mp4" }
        for key in keys { try await client.putObject(key: key, data: Data(key.utf8)) }

        let first = try await client.listObjectsV2(prefix: prefix, maxKeys: 2)
        #expect(first.objects.count == 2)
        #expect(first.isTruncated)
        let token = try #require(first.nextContinuationToken)
        let second = try await client.listObjectsV2(prefix: prefix, continuationToken: token, maxKeys: 2)
        #expect(Set(second.objects.map(\.key)).isDisjoint(with: first.objects.map(\.key)))

        let all = try await client.listAllObjects(prefix: prefix, pageSize: 2)
        #expect(all.map(\.key).sorted() == keys.sorted())
        #expect(all.allSatisfy { $0.size == Int64($0.key.utf8.count) })

        for key in keys { try await client.deleteObject(key: key) }
        #expect(try await client.listAllObjects(prefix: prefix).isEmpty)
    }

    @Test func missingObjects() async throws {
        let client = try Self.client()
        let key = Self.uniquePrefix() + "never-uploaded.mp4"
        #expect(try await client.headObject(key: key) == nil)
        try await client.deleteObject(key: key)
        let file = FileManager.default.temporaryDirectory.appending(path: "s3-missing-\(UUID().uuidString)")
        await #expect {
            try await client.getObject(key: key, to: file)
        } throws: { error in
            guard case S3Error.noSuchKey(let response) = error else { return false }
            return response.status == 404 && response.code == "NoSuchKey"
        }
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test func bucketChecks() async throws {
        try await Self.client().headBucket()
        let missing = try Self.client(bucket: "no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())")
        await #expect(throws: S3Error.noSuchBucket(S3ErrorResponse(status: 404, code: "NoSuchBucket"))) {
            try await missing.headBucket()
        }
        await #expect {
            _ = try await missing.listObjectsV2()
        } throws: { error in
            guard case S3Error.noSuchBucket(let response) = error else { return false }
            return response.code == "NoSuchBucket" && response.message?.isEmpty == false
        }
    }

    @Test func unreachableEndpointIsATransportError() async throws {
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        let client = try Self.client(endpoint: "http://127.0.0.1:9")
        await #expect {
            try await client.headBucket()
        } throws: { error in
            guard case S3Error.transport = error else { return false }
            return true
        }
    }
}

/// Against a moto that checks every signature (tools/crosscheck/s3/moto_auth.py):
/// what the server computes from our requests must equal what we signed.
@Suite("S3: signatures accepted and refused by a verifying server",
       .enabled(if: IntegrationEnvironment.runs(with: "TEST_PYTHON")), .serialized)
struct S3SignatureVerificationTests {
    @Test func correctKeysWorkWithAwkwardKeys() async throws {
        let server = try VerifyingMotoServer(python: try IntegrationEnvironment.required("TEST_PYTHON"))
        defer { server.stop() }
        let client = S3Client(configuration: S3Configuration(
            endpoint: server.endpoint, bucket: server.bucket, accessKey: server.accessKey, secretKey: server.secretKey))
        try await client.headBucket()
        for key in ["recordings/abc123-example.org-1a2b3c4d_20240127T120000Z.mp4", "recordings/!abc:example.org a+b=c.mp4",
                    "recordings/Réunion 会议 🎥 (1).mp4"] {
            let bytes = Data(key.utf8)
            try await client.putObject(key: key, data: bytes, contentType: "video/mp4", metadata: ["room": "r"])
            #expect(try await client.headObject(key: key)?.size == Int64(bytes.count))
            #expect(try await client.listObjectsV2(prefix: key).objects.map(\.key) == [key])
            let file = FileManager.default.temporaryDirectory.appending(path: "s3-verify-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: file) }
            try await client.getObject(key: key, to: file)
            #expect(try Data(contentsOf: file) == bytes)
            try await client.deleteObject(key: key)
            #expect(try await client.headObject(key: key) == nil)
        }
    }

    @Test func wrongSecretIsASignatureMismatch() async throws {
        let server = try VerifyingMotoServer(python: try IntegrationEnvironment.required("TEST_PYTHON"))
        defer { server.stop() }
        let client = S3Client(configuration: S3Configuration(
            endpoint: server.endpoint, bucket: server.bucket, accessKey: server.accessKey, secretKey: "not-the-secret"))
        await #expect {
            _ = try await client.listObjectsV2()
        } throws: { error in
            guard case S3Error.accessDenied(let response) = error else { return false }
            return response.status == 403 && response.code == "SignatureDoesNotMatch"
        }
        await #expect(throws: S3Error.self) { try await client.headBucket() }
        let unknown = S3Client(configuration: S3Configuration(
            endpoint: server.endpoint, bucket: server.bucket, accessKey: "AKIANOSUCHKEY0000000", secretKey: server.secretKey))
        await #expect {
            try await unknown.putObject(key: "x", data: Data("x".utf8))
        } throws: { error in
            guard case S3Error.accessDenied(let response) = error else { return false }
            return response.code == "InvalidAccessKeyId"
        }
    }
}
