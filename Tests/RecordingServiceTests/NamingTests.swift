import Foundation
import Testing

@testable import RecordingService

@Suite("File keys and names are safe everywhere")
struct NamingTests {
    static let slug = RoomNameSlug(digest: RoomNameSlug.fnv1a)
    static let forbidden: Set<Character> = ["/", "\\", ":", "!", "+", "|", "?", "*", "\"", "<", ">", "#", "%", " ", "\0", "\n", "\t"]

    static let names = [
        "!abc123:example.org", "a/b\\c", "../../etc/passwd", "x..y", "Zm9v+YmFy/YmF6", "with space and #hash%20",
        "new\nline\ttab\u{7}", "ünïcødé 会议室", "...", "!!!", "CON", "a:b?c*d\"e<f>g|h",
        String(repeating: "long-name.", count: 30),
    ]

    @Test("no forbidden character, no '..', bounded", arguments: names)
    func slugIsSafe(_ name: String) {
        let slug = Self.slug.slug(name)
        #expect(!slug.contains { Self.forbidden.contains($0) || $0.asciiValue.map { $0 < 32 } == true })
        #expect(!slug.contains(".."))
        #expect(!slug.hasPrefix(".") && !slug.hasPrefix("-"))
        #expect(slug.count <= RoomNameSlug.maximumSlugLength + 9)
        #expect(slug.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func matrixRoomIdReadsWell() {
        #expect(RoomNameSlug.readablePart("!abc123:example.org") == "abc123-example.org")
        #expect(RoomNameSlug.readablePart("!!!") == "room")
    }

    @Test("names that slug alike keep different keys", arguments: [("!a:b", "a-b"), ("a b", "a-b"), ("A", "a"), ("x/y", "x+y")])
    func distinctNamesNeverCollide(_ a: String, _ b: String) {
        #expect(Self.slug.slug(a) != Self.slug.slug(b))
    }

    @Test func keyFromDefaultTemplate() throws {
        let template = try FileKeyTemplate(FileKeyTemplate.defaultTemplate)
        let date = Date(timeIntervalSince1970: 1_706_356_800)  // 2024-01-27 12:00:00 UTC
        let key = template.key(roomName: "!abc123:example.org", date: date, slug: Self.slug)
        #expect(key == "recordings/abc123-example.org-\(RoomNameSlug.fnv1a("!abc123:example.org").prefix(8))_20240127T120000Z.mp4")
    }

    @Test func dateAndUUIDPlaceholders() throws {
        let template = try FileKeyTemplate("{date}/{uuid}.mp4")
        let uuid = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!
        let key = template.key(roomName: "r", date: Date(timeIntervalSince1970: 1_706_356_800), slug: Self.slug, uuid: uuid)
        #expect(key == "2024-01-27/e621e1f8-c36c-495a-93fc-0c247a3e6e5f.mp4")
    }

    @Test("bad templates are refused at configuration time", arguments: [
        "recordings/{room}_{egress_id}.mp4", "/recordings/{room}.mp4", "recordings/{room.mp4", "recordings/room}.mp4", "",
    ])
    func badTemplate(_ text: String) {
        #expect(throws: RecordingConfigurationError.self) { try FileKeyTemplate(text) }
    }

    @Test func unknownPlaceholderIsNamed() {
        do {
            _ = try FileKeyTemplate("x/{time}.mp4")
            Issue.record("accepted an unknown placeholder")
        } catch {
            #expect(error.message.contains("{time}"))
            #expect(error.message.contains("RECORDING_FILE_TEMPLATE"))
        }
    }
}
