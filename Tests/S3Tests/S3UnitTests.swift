import Foundation
import Testing
@testable import S3

@Suite("S3: Content-Disposition for downloads (RFC 6266, RFC 8187)")
struct ContentDispositionTests {
    @Test(arguments: [
        ("recording.mp4", "attachment; filename=\"recording.mp4\"; filename*=UTF-8''recording.mp4"),
        ("!abc123:example.org_2024-01-27.mp4",
         "attachment; filename=\"!abc123_example.org_2024-01-27.mp4\"; filename*=UTF-8''!abc123%3Aexample.org_2024-01-27.mp4"),
        ("Réunion 会议.mp4",
         "attachment; filename=\"R_union __.mp4\"; filename*=UTF-8''R%C3%A9union%20%E4%BC%9A%E8%AE%AE.mp4"),
        ("a\"b\\c/d%e.mp4", "attachment; filename=\"a_b_c_d_e.mp4\"; filename*=UTF-8''a%22b%5Cc%2Fd%25e.mp4"),
        ("", "attachment; filename=\"download\"; filename*=UTF-8''download"),
    ])
    func attachment(fileName: String, expected: String) {
        #expect(ContentDisposition.attachment(fileName: fileName) == expected)
    }

    @Test(arguments: ["room\r\nSet-Cookie: a=b.mp4", "tab\there.mp4", "🎥 \u{7F}\u{0}.mp4", "Ünïcödé !#$&+-.^_`|~.mp4"])
    func anyNameGivesOneSafeHeaderLineThatDecodesBack(fileName: String) throws {
        let header = ContentDisposition.attachment(fileName: fileName)
        #expect(header.unicodeScalars.allSatisfy { (0x20..<0x7F).contains($0.value) })
        let extended = try #require(header.components(separatedBy: "filename*=UTF-8''").last)
        #expect(extended.removingPercentEncoding == fileName)
    }
}

@Suite("S3: configuration and addressing")
struct S3ConfigurationTests {
    static let configuration = S3Configuration(
        endpoint: URL(string: "http://minio:9000/")!, publicEndpoint: URL(string: "https://files.example.org")!,
        bucket: "livekit-recordings", accessKey: "recording-access-key", secretKey: "very-secret-key-value")

    @Test func printingRevealsNeitherKey() {
        for printed in [Self.configuration.description, String(reflecting: Self.configuration), "\(Self.configuration)"] {
            #expect(!printed.contains("very-secret-key-value"))
            #expect(!printed.contains("recording-access-key"))
            #expect(printed.contains("reco…"))
            #expect(printed.contains("livekit-recordings"))
        }
    }

    @Test func defaults() {
        let configuration = S3Configuration(endpoint: URL(string: "http://127.0.0.1:9000")!, bucket: "b", accessKey: "a", secretKey: "s")
        #expect(configuration.publicEndpoint == configuration.endpoint)
        #expect(configuration.region == "us-east-1")
        #expect(configuration.forcePathStyle)
    }

    @Test func pathStyleURLs() throws {
        let key = "recordings/!abc:example.org Réunion+1.mp4"
        #expect(Self.configuration.objectURL(key: key, on: Self.configuration.endpoint)?.absoluteString
            == "http://minio:9000/livekit-recordings/recordings/%21abc%3Aexample.org%20R%C3%A9union%2B1.mp4")
        #expect(Self.configuration.objectURL(key: "a.mp4", on: Self.configuration.publicEndpoint)?.absoluteString
            == "https://files.example.org/livekit-recordings/a.mp4")
        #expect(Self.configuration.bucketURL(query: [("list-type", "2"), ("prefix", "a/b")])?.absoluteString
            == "http://minio:9000/livekit-recordings?list-type=2&prefix=a%2Fb")
    }

    @Test func virtualHostedURLs() {
        var configuration = Self.configuration
        configuration.forcePathStyle = false
        #expect(configuration.objectURL(key: "recordings/a b.mp4", on: configuration.publicEndpoint)?.absoluteString
            == "https://livekit-recordings.files.example.org/recordings/a%20b.mp4")
        #expect(configuration.bucketURL()?.absoluteString == "http://livekit-recordings.minio:9000/")
    }

    @Test func presignedLinksUseThePublicEndpoint() throws {
        let client = S3Client(configuration: Self.configuration)
        let url = try client.presignedGetURL(key: "a.mp4", expires: 60, responseContentDisposition: "attachment", now: Date(timeIntervalSince1970: 0))
        #expect(url.host() == "files.example.org")
        #expect(url.query(percentEncoded: true)?.contains("response-content-disposition=attachment&") == true)
        #expect(url.query(percentEncoded: true)?.contains("X-Amz-Credential=recording-access-key%2F19700101%2Fus-east-1%2Fs3%2Faws4_request") == true)
        #expect(!url.absoluteString.contains("very-secret-key-value"))
        #expect(throws: S3Error.self) { try client.presignedGetURL(key: "a.mp4", expires: 604_801) }
    }
}

@Suite("S3: error documents become typed errors")
struct S3ErrorParsingTests {
    static func body(code: String, message: String = "details", requestID: String = "4442587FB7D0A2F9") -> Data {
        Data("""
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>\(code)</Code><Message>\(message)</Message><Resource>/livekit-recordings/a.mp4</Resource><RequestId>\(requestID)</RequestId></Error>
        """.utf8)
    }

    @Test(arguments: [
        (403, "SignatureDoesNotMatch", "accessDenied"),
        (403, "InvalidAccessKeyId", "accessDenied"),
        (403, "AccessDenied", "accessDenied"),
        (404, "NoSuchBucket", "noSuchBucket"),
        (404, "NoSuchKey", "noSuchKey"),
        (503, "SlowDown", "service"),
        (400, "InvalidArgument", "service"),
    ])
    func classification(status: Int, code: String, expected: String) {
        let parsed = S3XML.errorResponse(status: status, body: Self.body(code: code))
        #expect(parsed == S3ErrorResponse(status: status, code: code, message: "details", requestID: "4442587FB7D0A2F9"))
        let kind = switch S3Error.from(parsed) {
        case .accessDenied: "accessDenied"
        case .noSuchBucket: "noSuchBucket"
        case .noSuchKey: "noSuchKey"
        case .service: "service"
        default: "other"
        }
        #expect(kind == expected)
    }

    @Test func bodiesThatAreNotXMLKeepTheStatus() {
        #expect(S3Error.from(S3XML.errorResponse(status: 403, body: Data())) == .accessDenied(S3ErrorResponse(status: 403)))
        #expect(S3Error.from(S3XML.errorResponse(status: 502, body: Data("<html>Bad Gateway".utf8))) == .service(S3ErrorResponse(status: 502)))
    }

    @Test func descriptionsSayWhatToDo() {
        let denied = S3Error.accessDenied(S3ErrorResponse(status: 403, code: "SignatureDoesNotMatch", message: "m", requestID: "R1"))
        #expect(denied.description.contains("S3_SECRET_KEY"))
        #expect(denied.description.contains("SignatureDoesNotMatch"))
        #expect(denied.description.contains("R1"))
        #expect(S3Error.noSuchBucket(S3ErrorResponse(status: 404)).description.contains("S3_BUCKET"))
    }

    @Test func listPageWithContinuation() throws {
        let page = try S3XML.listPage(Data("""
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <Name>livekit-recordings</Name><Prefix>recordings/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
          <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
          <Contents><Key>recordings/a &amp; b.mp4</Key><LastModified>2024-01-27T12:00:00.000Z</LastModified>
            <ETag>&quot;599bab3ed2c697f1d26842727561fd94&quot;</ETag><Size>1048576</Size><StorageClass>STANDARD</StorageClass></Contents>
          <Contents><Key>recordings/c.mp4</Key><LastModified>2024-01-27T12:00:01Z</LastModified><ETag>"e"</ETag><Size>0</Size></Contents>
        </ListBucketResult>
        """.utf8))
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        #expect(page.objects.map(\.key) == ["recordings/a & b.mp4", "recordings/c.mp4"])
        #expect(page.objects.map(\.size) == [1_048_576, 0])
        #expect(page.objects.first?.etag == "\"599bab3ed2c697f1d26842727561fd94\"")
        #expect(page.objects.first?.lastModified == Date(timeIntervalSince1970: 1_706_356_800))
        #expect(page.objects.last?.lastModified == Date(timeIntervalSince1970: 1_706_356_801))
    }

    @Test func listPageThatIsNotAListingIsRejected() {
        #expect(throws: S3Error.self) { try S3XML.listPage(Self.body(code: "NoSuchKey")) }
        #expect(throws: S3Error.self) { try S3XML.listPage(Data("not xml".utf8)) }
    }
}
