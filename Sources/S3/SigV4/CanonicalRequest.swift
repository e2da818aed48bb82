import Foundation

/// Step 1 of SigV4: the request reduced to one unambiguous text.
struct CanonicalRequest {
    let method: String
    let canonicalURI: String
    let canonicalQuery: String
    let canonicalHeaders: String
    let signedHeaders: String
    let payloadHash: String

    /// `query` holds decoded pairs; `headers` may repeat a name (values are then
    /// joined with commas in the order given, as the suite's get-header-key-duplicate shows).
    init(method: String, canonicalURI: String, query: [(String, String)], headers: [(name: String, value: String)], payloadHash: String) {
        self.method = method.uppercased()
        self.canonicalURI = canonicalURI
        self.canonicalQuery = query
            .map { (URIEncoding.encode($0.0), URIEncoding.encode($0.1)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        var merged: [String: String] = [:]
        for header in headers {
            let name = header.name.lowercased()
            let value = Self.trimmed(header.value)
            merged[name] = merged[name].map { "\($0),\(value)" } ?? value
        }
        let names = merged.keys.sorted()
        self.canonicalHeaders = names.map { "\($0):\(merged[$0]!)\n" }.joined()
        self.signedHeaders = names.joined(separator: ";")
        self.payloadHash = payloadHash
    }

    var text: String {
        [method, canonicalURI, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
    }

    /// Leading and trailing blanks dropped, inner runs of blanks collapsed to one space.
    /// Only ASCII space and tab count: a no-break space is a byte like any other.
    static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}

/// The URI encoding SigV4 prescribes: every byte of the UTF-8 form except the
/// RFC 3986 unreserved set (`A-Z a-z 0-9 - _ . ~`) becomes `%XX`, upper-case hex.
/// Foundation's allowed character sets keep `!`, `+`, `:` and others, so they do not fit.
enum URIEncoding {
    static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + hexDigits[Int(byte >> 4)] + hexDigits[Int(byte & 0x0F)]
            }
        }
        return result
    }

    /// An object key as it appears in a URL path: slashes are separators, kept.
    static func encodePath(_ key: String) -> String { encode(key, keepingSlash: true) }

    private static let hexDigits = "0123456789ABCDEF".map(String.init)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}

/// `YYYYMMDD'T'HHMMSS'Z'` and `YYYYMMDD` in UTC, the two forms SigV4 uses.
struct SigningTimestamp {
    let dateTime: String
    var date: String { String(dateTime.prefix(8)) }

    init(_ instant: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        dateTime = "\(c.year ?? 1970)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }
}
