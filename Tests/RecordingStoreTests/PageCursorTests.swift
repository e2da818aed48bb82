import Testing
@testable import RecordingStore

/// Cursors are opaque to clients but outlive a deploy: the text handed out must not
/// change, and what an older build handed out must still be read.
@Suite("Page cursors")
struct PageCursorTests {
    /// Expected values from Python's `base64.urlsafe_b64encode(...).rstrip("=")`.
    @Test("base64url without padding, as before", arguments: [
        (PageCursor.Kind.recordings, Int64(1_700_000_000_000), "00000000-0000-4000-8000-000000000042",
         "cjoxNzAwMDAwMDAwMDAwOjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDA0Mg"),
        (.audit, -5, "id?>>~~~", "YTotNTppZD8-Pn5-fg"),
        (.recordings, 0, "ünï/😀?", "cjowOsO8bsOvL_CfmIA_"),
        (.recordings, Int64.max, "x", "cjo5MjIzMzcyMDM2ODU0Nzc1ODA3Ong"),
    ])
    func knownAnswers(kind: PageCursor.Kind, time: Int64, id: String, expected: String) throws {
        let cursor = PageCursor(time: time, id: id)
        #expect(cursor.encoded(kind) == expected)
        #expect(PageCursor(decoding: expected, kind: kind) == cursor)
    }

    @Test("padded standard base64 is still read; foreign text and the other kind are not")
    func tolerantButStrict() {
        // "YTotNTppZD8+Pn5+fg==" is the standard-alphabet, padded form of the audit cursor above.
        #expect(PageCursor(decoding: "YTotNTppZD8+Pn5+fg==", kind: .audit) == PageCursor(time: -5, id: "id?>>~~~"))
        #expect(PageCursor(decoding: "YTotNTppZD8-Pn5-fg", kind: .recordings) == nil)
        #expect(PageCursor(decoding: "not a cursor ü", kind: .recordings) == nil)
        #expect(PageCursor(decoding: "", kind: .recordings) == nil)
    }
}
