import Foundation

/// `RECORDING_FILE_TEMPLATE`: how the object key of a recording is built, before
/// LiveKit is asked (so no `{egress_id}`). We fill it ourselves because Egress
/// fills its own placeholders verbatim, without sanitising (LIVEKIT.md "Requests").
///
/// Placeholders: `{room}` (safe slug + hash), `{timestamp}` (UTC `yyyyMMdd'T'HHmmss'Z'`,
/// sorts by time), `{date}` (UTC `yyyy-MM-dd`), `{uuid}` (lower-case, random).
public struct FileKeyTemplate: Sendable, Equatable {
    public static let defaultTemplate = "recordings/{room}_{timestamp}.mp4"
    static let placeholders: Set<String> = ["room", "timestamp", "date", "uuid"]

    enum Part: Sendable, Equatable {
        case literal(String)
        case placeholder(String)
    }

    public let template: String
    let parts: [Part]

    /// Refuses, at configuration time, anything that would produce a bad key.
    public init(_ template: String) throws(RecordingConfigurationError) {
        guard !template.isEmpty else { throw .init("RECORDING_FILE_TEMPLATE is empty; use e.g. \(Self.defaultTemplate).") }
        // A key that starts with `/` has broken MinIO uploads (LIVEKIT.md).
        guard !template.hasPrefix("/") else {
            throw .init("RECORDING_FILE_TEMPLATE must not start with '/': S3 keys have no leading slash (got '\(template)').")
        }
        self.template = template
        self.parts = try Self.parse(template)
    }

    private static func parse(_ template: String) throws(RecordingConfigurationError) -> [Part] {
        var parts: [Part] = []
        var rest = Substring(template)
        while !rest.isEmpty {
            guard let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) else {
                parts.append(.literal(String(rest)))
                break
            }
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            guard rest[open] == "{", let close = rest[open...].firstIndex(of: "}") else {
                throw .init("RECORDING_FILE_TEMPLATE has an unbalanced brace in '\(template)'.")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard placeholders.contains(name) else {
                throw .init(
                    "RECORDING_FILE_TEMPLATE uses unknown placeholder {\(name)}; allowed: "
                        + placeholders.sorted().map { "{\($0)}" }.joined(separator: ", ") + ".")
            }
            parts.append(.placeholder(name))
            rest = rest[rest.index(after: close)...]
        }
        return parts
    }

    /// The key for a recording of `roomName` started at `date`.
    func key(roomName: String, date: Date, slug: RoomNameSlug, uuid: UUID = UUID()) -> String {
        parts.map { part -> String in
            switch part {
            case .literal(let text): text
            case .placeholder("room"): slug.slug(roomName)
            case .placeholder("timestamp"): Self.timestamp(date)
            case .placeholder("date"): Self.day(date)
            case .placeholder(_): uuid.uuidString.lowercased()
            }
        }.joined()
    }

    /// `20240127T120000Z`: UTC, fixed width, so keys sort by time.
    static func timestamp(_ date: Date) -> String {
        let c = utcComponents(date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func day(_ date: Date) -> String {
        let c = utcComponents(date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    private static func utcComponents(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }
}

/// A configuration value the service cannot work with; the message names the variable.
public struct RecordingConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
