import Foundation
import Testing
@testable import S3

/// The worked examples in Amazon S3's API reference, "Signature Calculations for the
/// Authorization Header" and "Authenticating Requests: Using Query Parameters"
/// (examplebucket, AKIAIOSFODNN7EXAMPLE, 2013-05-24T00:00:00Z, us-east-1, s3).
@Suite("SigV4: Amazon S3 documentation examples")
struct SigV4S3ExamplesTests {
    static let signer = SigV4Signer(
        credentials: SigV4Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 20130524T000000Z

    @Test func getObjectWithRange() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt"))
        let headers = Self.signer.signHeaders(method: "GET", url: url, headers: ["Range": "bytes=0-9"],
                                              payloadHash: SigV4Signer.emptyPayloadHash, date: Self.date)
        #expect(headers["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers["x-amz-content-sha256"] == SigV4Signer.emptyPayloadHash)
        #expect(headers["x-amz-date"] == "20130524T000000Z")
        #expect(headers["range"] == "bytes=0-9")
    }

    @Test func getObjectWithRangeStringToSign() throws {
        let canonical = CanonicalRequest(
            method: "GET", canonicalURI: "/test.txt", query: [],
            headers: [("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-9"),
                      ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash), ("x-amz-date", "20130524T000000Z")],
            payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(Self.signer.stringToSign(canonical, at: SigningTimestamp(Self.date))
            == "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
    }

    @Test func listObjectsQueryIsSortedAndSigned() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2"))
        let headers = Self.signer.signHeaders(method: "GET", url: url, payloadHash: SigV4Signer.emptyPayloadHash, date: Self.date)
        #expect(headers["authorization"]?.hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    @Test func presignedGet() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt"))
        let signed = try Self.signer.presignURL(url: url, expires: 86400, date: Self.date)
        #expect(signed.absoluteString == "https://examplebucket.s3.amazonaws.com/test.txt"
            + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func nonDefaultPortIsPartOfTheSignedHost() throws {
        let url = try #require(URL(string: "http://127.0.0.1:9000/livekit-recordings/a.mp4"))
        #expect(Self.signer.signHeaders(method: "HEAD", url: url, payloadHash: SigV4Signer.emptyPayloadHash, date: Self.date)["host"] == "127.0.0.1:9000")
        let defaultPort = try #require(URL(string: "https://examplebucket.s3.amazonaws.com:443/a.mp4"))
        #expect(SigV4Signer.hostHeader(for: defaultPort) == "examplebucket.s3.amazonaws.com")
    }

    @Test func credentialsNeverPrintTheirSecret() {
        let printed = "\(Self.signer.credentials) \(String(reflecting: Self.signer.credentials))"
        #expect(!printed.contains("wJalrXUtnFEMI"))
        #expect(!printed.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(printed.contains("AKIA"))
    }
}
