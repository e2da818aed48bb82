import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The two XML documents the client reads: `<Error>` bodies and
/// `<ListBucketResult>` pages. Both are flat enough that collecting the text of
/// named elements (per `<Contents>` for listings) is all the parsing needed.
enum S3XML {
    static func errorResponse(status: Int, body: Data) -> S3ErrorResponse {
        var response = S3ErrorResponse(status: status)
        guard !body.isEmpty, let fields = FlatElements.parse(body, recordElement: nil)?.document else { return response }
        response.code = fields["Code"]
        response.message = fields["Message"]
        response.requestID = fields["RequestId"]
        return response
    }

    static func listPage(_ body: Data) throws(S3Error) -> ListObjectsPage {
        guard let parsed = FlatElements.parse(body, recordElement: "Contents"), parsed.rootName == "ListBucketResult" else {
            throw .invalidResponse("ListObjectsV2 body is not a ListBucketResult document")
        }
        let objects = try parsed.records.map { fields throws(S3Error) in
            guard let key = fields["Key"], let size = fields["Size"].flatMap({ Int64($0) }) else {
                throw .invalidResponse("ListObjectsV2 entry without Key or Size")
            }
            return ListedObject(key: key, size: size, etag: fields["ETag"], lastModified: fields["LastModified"].flatMap(parseTimestamp))
        }
        return ListObjectsPage(
            objects: objects,
            isTruncated: parsed.document["IsTruncated"] == "true",
            nextContinuationToken: parsed.document["NextContinuationToken"])
    }

    /// S3 writes `2024-01-27T12:00:00.000Z`; fractional seconds are optional.
    static func parseTimestamp(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
    }
}

/// Collects `name → text` for the children of the root, and for each repeated
/// record element (such as `<Contents>`) the children of that record.
private final class FlatElements: NSObject, XMLParserDelegate {
    private let recordElement: String?
    private(set) var rootName: String?
    private(set) var document: [String: String] = [:]
    private(set) var records: [[String: String]] = []
    private var currentRecord: [String: String]?
    private var text = ""
    private var depth = 0

    private init(recordElement: String?) { self.recordElement = recordElement }

    static func parse(_ data: Data, recordElement: String?) -> FlatElements? {
        let collector = FlatElements(recordElement: recordElement)
        let parser = XMLParser(data: data)
        parser.delegate = collector
        return parser.parse() && collector.rootName != nil ? collector : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        depth += 1
        text = ""
        if depth == 1 { rootName = name }
        if depth == 2, name == recordElement { currentRecord = [:] }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        defer { depth -= 1; text = "" }
        if depth == 2, name == recordElement, let record = currentRecord {
            records.append(record)
            currentRecord = nil
        } else if depth == 3, currentRecord != nil {
            currentRecord?[name] = text
        } else if depth == 2 {
            document[name] = text
        }
    }
}
