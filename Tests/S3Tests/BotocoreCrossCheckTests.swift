import Crypto
import Foundation
import Testing
@testable import S3

/// Our signed requests and presigned URLs equal botocore's for the same inputs and
/// the same instant (tools/crosscheck/s3/sign.py, run with TEST_PYTHON). botocore
/// builds its URLs itself, so key quoting and addressing are compared too.
@Suite("S3: signatures equal botocore's", .enabled(if: IntegrationEnvironment.runs(with: "TEST_PYTHON")))
struct BotocoreCrossCheckTests {
    static let keys = [
        "recordings/abc123-example.org-1a2b3c4d_20240127T120000Z.mp4",
        "recordings/room with spaces_20240127T120000Z.mp4",
        "recordings/!abc123:example.org_20240127T120000Z.mp4",
        "recordings/a+b=c&d;e,f@g$h.mp4",
        "recordings/Réunion 会议 🎥.mp4",
        "recordings/tilde~star*paren(1)'quote'.mp4",
    ]
    static let endpoints: [(endpoint: String, pathStyle: Bool)] = [
        ("http://127.0.0.1:9000", true),
        ("https://s3.example.com", false),
    ]
    static let accessKey = "AKIAIOSFODNN7EXAMPLE"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let timestamp = "20240127T120000Z"
    static let instant = Date(timeIntervalSince1970: 1_706_356_800)  // 2024-01-27T12:00:00Z

    struct Case {
        let kind: String
        let endpoint: String
        let pathStyle: Bool
        let key: String
        var method = "GET"
        var headers: [String: String] = [:]
        var body = Data()
        var expires = 3600
        var contentDisposition: String?

        var json: [String: Any] {
            var object: [String: Any] = ["kind": kind, "endpoint": endpoint, "bucket": "livekit-recordings", "key": key,
                                         "path_style": pathStyle, "method": method, "headers": headers,
                                         "body_hex": Hex.encode(body), "expires": expires]
            if let contentDisposition { object["content_disposition"] = contentDisposition }
            return object
        }

        var client: S3Client {
            S3Client(configuration: S3Configuration(
                endpoint: URL(string: endpoint)!, bucket: "livekit-recordings",
                accessKey: BotocoreCrossCheckTests.accessKey, secretKey: BotocoreCrossCheckTests.secretKey, forcePathStyle: pathStyle))
        }
    }

    struct Signed: Decodable { let url: String; let headers: [String: String] }
    struct Output: Decodable { let results: [Signed] }

    static func botocore(_ cases: [Case]) throws -> [Signed] {
        let python = try IntegrationEnvironment.required("TEST_PYTHON")
        let spec: [String: Any] = ["access_key": accessKey, "secret_key": secretKey, "region": "us-east-1",
                                   "timestamp": timestamp, "cases": cases.map(\.json)]
        let input = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let output = try PythonHelper.run(python: python, script: "sign.py", arguments: [input])
        let results = try JSONDecoder().decode(Output.self, from: output).results
        try #require(results.count == cases.count)
        return results
    }

    @Test func signedHeaderRequestsEqualBotocore() throws {
        var cases: [Case] = []
        for (endpoint, pathStyle) in Self.endpoints {
            for key in Self.keys {
                for method in ["HEAD", "GET", "DELETE"] {
                    cases.append(Case(kind: "headers", endpoint: endpoint, pathStyle: pathStyle, key: key, method: method))
                }
                cases.append(Case(kind: "headers", endpoint: endpoint, pathStyle: pathStyle, key: key, method: "PUT",
                                  headers: ["Content-Type": "video/mp4", "x-amz-meta-room": "!abc123:example.org"],
                                  body: Data("ftyp isom, not really an mp4".utf8)))
            }
        }
        let expected = try Self.botocore(cases)
        for (testCase, theirs) in zip(cases, expected) {
            let client = testCase.client
            let url = try client.objectURL(testCase.key)
            #expect(url.absoluteString == theirs.url, "URL of \(testCase.key)")
            let request = try client.signedRequest(testCase.method, url, headers: testCase.headers,
                                                   body: testCase.method == "PUT" ? testCase.body : nil, date: Self.instant)
            for name in ["authorization", "x-amz-date", "x-amz-content-sha256", "content-type", "x-amz-meta-room"] {
                #expect(request.value(forHTTPHeaderField: name) == theirs.headers[name],
                        "\(name) of \(testCase.method) \(testCase.key) (\(testCase.endpoint))")
            }
        }
    }

    @Test func presignedURLsEqualBotocore() throws {
        let disposition = ContentDisposition.attachment(fileName: "Réunion !abc123:example.org 2024-01-27 12:00.mp4")
        var cases: [Case] = []
        for (endpoint, pathStyle) in Self.endpoints {
            for key in Self.keys {
                cases.append(Case(kind: "presign", endpoint: endpoint, pathStyle: pathStyle, key: key, expires: 900))
                cases.append(Case(kind: "presign", endpoint: endpoint, pathStyle: pathStyle, key: key, expires: 604_800,
                                  contentDisposition: disposition))
            }
        }
        let expected = try Self.botocore(cases)
        for (testCase, theirs) in zip(cases, expected) {
            let ours = try testCase.client.presignedGetURL(key: testCase.key, expires: testCase.expires,
                                                           responseContentDisposition: testCase.contentDisposition, now: Self.instant)
            let theirURL = try #require(URL(string: theirs.url))
            #expect(ours.scheme == theirURL.scheme)
            #expect(ours.host() == theirURL.host())
            #expect(ours.port == theirURL.port)
            #expect(ours.path(percentEncoded: true) == theirURL.path(percentEncoded: true), "path of \(testCase.key)")
            // botocore puts operation parameters before the auth ones; order is not signed, content is.
            #expect(Self.queryPairs(ours) == Self.queryPairs(theirURL), "query of \(testCase.key)")
            #expect(Self.queryPairs(ours).contains { $0.hasPrefix("X-Amz-Signature=") })
        }
    }

    static func queryPairs(_ url: URL) -> [String] {
        (url.query(percentEncoded: true) ?? "").split(separator: "&").map(String.init).sorted()
    }
}
