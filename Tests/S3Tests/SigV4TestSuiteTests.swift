import Foundation
import Testing
@testable import S3

/// Known answers from AWS's aws-sig-v4-test-suite (the copy shipped in
/// awslabs/aws-c-auth `tests/aws-signing-test-suite/v4`): every case uses these
/// credentials, region, service `service` and 2015-08-30T12:36:00Z.
/// Each case pins all three stages: canonical request, string to sign, signature.
enum Suite {
    static let credentials = SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service", pathEncoding: .doubleEncoded)
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
    static let emptyHash = SigV4Signer.emptyPayloadHash
    static let host = ("Host", "example.amazonaws.com")
    static let amzDate = ("X-Amz-Date", "20150830T123600Z")
}

struct SuiteVector: Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    /// The path exactly as the suite's request line writes it.
    let wirePath: String
    let query: [Pair]
    let headers: [Pair]
    let payloadHash: String
    let canonicalRequest: [String]
    let stringToSignHash: String
    let signature: String
    var testDescription: String { name }

    struct Pair: Sendable { let name: String; let value: String }

    init(_ name: String, _ method: String = "GET", path: String = "/", query: [(String, String)] = [],
         headers: [(String, String)] = [Suite.host, Suite.amzDate], payloadHash: String = Suite.emptyHash,
         canonical: [String], stringToSignHash: String, signature: String) {
        self.name = name
        self.method = method
        self.wirePath = path
        self.query = query.map { Pair(name: $0.0, value: $0.1) }
        self.headers = headers.map { Pair(name: $0.0, value: $0.1) }
        self.payloadHash = payloadHash
        self.canonicalRequest = canonical
        self.stringToSignHash = stringToSignHash
        self.signature = signature
    }
}

let headerVectors: [SuiteVector] = [
    SuiteVector("get-vanilla",
        canonical: ["GET", "/", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    SuiteVector("get-vanilla-query-order-key-case", query: [("Param2", "value2"), ("Param1", "value1")],
        canonical: ["GET", "/", "Param1=value1&Param2=value2", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
        signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    SuiteVector("get-vanilla-query-unreserved",
        query: [("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")],
        canonical: ["GET", "/", "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                    "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
        signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
    SuiteVector("get-vanilla-utf8-query", query: [("ሴ", "bar")],
        canonical: ["GET", "/", "%E1%88%B4=bar", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
        signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
    SuiteVector("get-header-key-duplicate",
        headers: [Suite.host, ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1"), Suite.amzDate],
        canonical: ["GET", "/", "", "host:example.amazonaws.com", "my-header1:value2,value2,value1", "x-amz-date:20150830T123600Z", "", "host;my-header1;x-amz-date", Suite.emptyHash],
        stringToSignHash: "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
        signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
    SuiteVector("get-header-value-trim",
        headers: [Suite.host, ("My-Header1", " value1"), ("My-Header2", " \"a   b   c\""), Suite.amzDate],
        canonical: ["GET", "/", "", "host:example.amazonaws.com", "my-header1:value1", "my-header2:\"a b c\"", "x-amz-date:20150830T123600Z", "", "host;my-header1;my-header2;x-amz-date", Suite.emptyHash],
        stringToSignHash: "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
        signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
    SuiteVector("get-unreserved", path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        canonical: ["GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
        signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
    SuiteVector("get-utf8", path: "/ሴ",
        canonical: ["GET", "/%E1%88%B4", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
        signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    SuiteVector("get-space-unnormalized", path: "/example space/",
        canonical: ["GET", "/example%20space/", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
        signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
    SuiteVector("get-slashes-unnormalized", path: "//example//",
        canonical: ["GET", "//example//", "", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "528ec3105ee1f34ab014bb0a1a45da0ed2742a4fea3555149e5b4d5d201eb240",
        signature: "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"),
    SuiteVector("post-vanilla-query", "POST", query: [("Param1", "value1")],
        canonical: ["POST", "/", "Param1=value1", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", Suite.emptyHash],
        stringToSignHash: "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
        signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
    SuiteVector("post-x-www-form-urlencoded", "POST",
        headers: [("Content-Type", "application/x-www-form-urlencoded"), Suite.host, ("Content-Length", "13"), Suite.amzDate,
                  ("X-Amz-Content-Sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e")],
        payloadHash: "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        canonical: ["POST", "/", "", "content-length:13", "content-type:application/x-www-form-urlencoded", "host:example.amazonaws.com",
                    "x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", "x-amz-date:20150830T123600Z", "",
                    "content-length;content-type;host;x-amz-content-sha256;x-amz-date", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"],
        stringToSignHash: "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
        signature: "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"),
]

@Suite("SigV4: aws-sig-v4-test-suite, header form")
struct SigV4HeaderSuiteTests {
    @Test(arguments: headerVectors)
    func allThreeStages(vector: SuiteVector) {
        let stamp = SigningTimestamp(Suite.date)
        let canonical = CanonicalRequest(
            method: vector.method, canonicalURI: Suite.signer.canonicalURI(wirePath: vector.wirePath),
            query: vector.query.map { ($0.name, $0.value) }, headers: vector.headers.map { (name: $0.name, value: $0.value) },
            payloadHash: vector.payloadHash)
        #expect(canonical.text == vector.canonicalRequest.joined(separator: "\n"))
        #expect(Suite.signer.stringToSign(canonical, at: stamp)
            == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\(vector.stringToSignHash)")
        #expect(Suite.signer.signature(for: canonical, at: stamp) == vector.signature)
    }

    /// The public entry point, for the cases a URL can carry without re-escaping.
    @Test(arguments: headerVectors.filter {
        ["get-vanilla", "get-vanilla-query-order-key-case", "get-header-value-trim", "get-unreserved", "post-vanilla-query",
         "post-x-www-form-urlencoded"].contains($0.name)
    })
    func signHeadersProducesTheSuiteAuthorization(vector: SuiteVector) throws {
        var url = "https://example.amazonaws.com" + vector.wirePath
        if !vector.query.isEmpty { url += "?" + vector.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&") }
        let extra = Dictionary(
            vector.headers.filter { !["host", "x-amz-date"].contains($0.name.lowercased()) }.map { ($0.name, $0.value) },
            uniquingKeysWith: { "\($0),\($1)" })
        let signed = Suite.signer.signHeaders(method: vector.method, url: try #require(URL(string: url)), headers: extra,
                                              payloadHash: vector.payloadHash, date: Suite.date)
        let signedHeaders = vector.canonicalRequest[vector.canonicalRequest.count - 2]
        #expect(signed["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=\(signedHeaders), Signature=\(vector.signature)")
        #expect(signed["x-amz-date"] == "20150830T123600Z")
        #expect(signed["host"] == "example.amazonaws.com")
        // Only S3 requires the payload hash header: a generic service gets one only when the caller sends it.
        #expect(signed["x-amz-content-sha256"] == vector.headers.first { $0.name == "X-Amz-Content-Sha256" }?.value)
    }

    /// The mode switch is what separates the two kinds of vectors: an escape on the
    /// wire is signed once more by a generic service and decoded first by S3.
    @Test func pathEncodingModesDifferOnlyWhereTheWireHasEscapes() {
        let s3 = SigV4Signer(credentials: Suite.credentials, region: "us-east-1", service: "s3", pathEncoding: .s3)
        #expect(Suite.signer.canonicalURI(wirePath: "/example%20space/") == "/example%2520space/")
        #expect(s3.canonicalURI(wirePath: "/example%20space/") == "/example%20space/")
        #expect(s3.canonicalURI(wirePath: "/example space/") == "/example%20space/")
        #expect(s3.canonicalURI(wirePath: "/a!b:c+d/%E1%88%B4") == "/a%21b%3Ac%2Bd/%E1%88%B4")
        #expect(s3.canonicalURI(wirePath: "") == "/")
    }
}

@Suite("SigV4: aws-sig-v4-test-suite, presigned query form")
struct SigV4QuerySuiteTests {
    @Test(arguments: [
        ("https://example.amazonaws.com/", "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"),
        ("https://example.amazonaws.com/?Param2=value2&Param1=value1", "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5"),
    ])
    func presignedSignature(url: String, expected: String) throws {
        let signed = try Suite.signer.presignURL(method: "GET", url: try #require(URL(string: url)), expires: 3600,
                                                 payloadHash: Suite.emptyHash, date: Suite.date)
        let query = try #require(signed.query(percentEncoded: true))
        #expect(query.hasSuffix("&X-Amz-Signature=\(expected)"))
        #expect(query.contains("X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request"))
        #expect(query.contains("X-Amz-Expires=3600&X-Amz-SignedHeaders=host"))
    }

    @Test(arguments: [0, -1, 604_801])
    func lifetimeOutsideSevenDaysIsRejected(expires: Int) throws {
        #expect(throws: SigV4Error.expiresOutOfRange(expires)) {
            try Suite.signer.presignURL(url: URL(string: "https://example.amazonaws.com/")!, expires: expires, date: Suite.date)
        }
    }
}
