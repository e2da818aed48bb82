import Foundation
import JSONWriting
import Testing

/// The writer on its own: commas, nesting, numbers and escapes against JSONEncoder.
@Suite("JSONWriter")
struct JSONWriterTests {
    @Test("commas between members and elements, at every depth")
    func commasAndNesting() throws {
        var writer = JSONWriter()
        writer.object { w in
            w.key("a"); w.array([[Int64](), [1], [1, 2, 3]]) { w, inner in w.array(inner) { w, n in w.integer(n) } }
            w.key("b"); w.object { _ in }
            w.key("c"); w.array([String]()) { w, s in w.string(s) }
            w.key("d"); w.object { w in w.key("e"); w.null(); w.key("f"); w.bool(false) }
        }
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a":[[],[1],[1,2,3]],"b":{},"c":[],"d":{"e":null,"f":false}}"#)
    }

    @Test("integers as String(_:) writes them", arguments: [Int64.min, Int64.min + 1, -1_000, -9, -1, 0, 1, 9, 10, 99, 100, 1_706_356_800_000, Int64.max])
    func integers(value: Int64) {
        var writer = JSONWriter()
        writer.array([value]) { w, n in w.integer(n); w.integerString(n) }
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "[\(value),\"\(value)\"]")
    }

    /// Every scalar below 0x80 alone, and the non-ASCII ones JSON parsers disagree on.
    @Test("escapes match JSONEncoder", arguments: (0..<0x80).map { String(Unicode.Scalar(UInt8($0))) }
        + ["\u{2028}", "\u{2029}", "\u{FFFF}", "\u{10FFFF}", "😀", "", "a\"b\\c/d", String(repeating: "x\u{1}", count: 300)])
    func escapes(text: String) throws {
        var writer = JSONWriter()
        writer.string(text)
        #expect(writer.bytes == (try EncoderReference.bytes([text])).dropFirst().dropLast().map { $0 })
        #expect(try JSONDecoder().decode(String.self, from: Data(writer.bytes)) == text)
    }
}
