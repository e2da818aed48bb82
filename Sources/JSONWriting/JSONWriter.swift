/// Appends JSON (RFC 8259) as UTF-8 bytes, byte for byte as Foundation's
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes it, for the
/// response types whose encoding is on a hot path (`JSONWritable`). JSONEncoder
/// builds a tree of boxed values per response; this writes straight into one array.
///
/// The caller decides the structure and the key order: `object`, then `key` + a value
/// for each member, keys in the order `.sortedKeys` gives (byte order of the UTF-8).
/// Commas are placed here, so a writer never produces `{,` or `,}`.
public struct JSONWriter {
    public private(set) var bytes: [UInt8]
    /// A value was written at the current level: the next key or element needs a comma.
    private var needsComma = false

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Structure

    /// `{` members `}`: `body` writes each member as `key(_:)` then one value.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginValue()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[` elements `]`: one value per element.
    public mutating func array<Elements: Sequence>(_ elements: Elements, _ element: (inout JSONWriter, Elements.Element) -> Void) {
        beginValue()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        for item in elements { element(&self, item) }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name. Names are the models' Swift identifiers (ASCII letters and
    /// digits), which need no escaping, so they are copied as they are.
    public mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        appendLiteral(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Values

    public mutating func null() {
        beginValue()
        appendLiteral("null")
    }

    public mutating func bool(_ value: Bool) {
        beginValue()
        appendLiteral(value ? "true" : "false")
    }

    /// A JSON number. Doubles are deliberately absent: JSONEncoder's shortest-round-trip
    /// formatting is not worth copying while no model on a hot path has one.
    public mutating func integer(_ value: Int64) {
        beginValue()
        appendDecimal(value)
    }

    public mutating func integer(_ value: Int) {
        integer(Int64(value))
    }

    /// A JSON string holding the decimal digits of `value` (how `EpochMilliseconds` is sent).
    public mutating func integerString(_ value: Int64) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        appendDecimal(value)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func string(_ value: String) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        // `withUTF8` makes a bridged or small string contiguous once; native strings already are.
        value.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `string`, or `null` for nil (a key the contract keeps with `null`).
    public mutating func string(orNull value: String?) {
        if let value { string(value) } else { null() }
    }

    // MARK: Internals

    /// A comma if this value follows another at the same level (array elements).
    private mutating func beginValue() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    private mutating func appendLiteral(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Signed decimal, no leading zeros, as `String(value)` writes it.
    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // 20 digits hold UInt64.max; filled from the right.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Copies runs that need no escape in one go. Escaped, as JSONEncoder does: `"` and
    /// `\`, the short forms `\b \t \n \f \r`, other controls below 0x20 as `\u00xx`
    /// (lower-case hex). Not escaped: `/` (`.withoutEscapingSlashes`), DEL, U+2028/2029,
    /// and all other non-ASCII, which stays UTF-8.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            appendEscape(for: byte)
            runStart = index + 1
        }
        if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }

    private static func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private mutating func appendEscape(for byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            appendLiteral("u00")
            bytes.append(Self.lowercaseHexDigit(byte >> 4))
            bytes.append(Self.lowercaseHexDigit(byte & 0xF))
        }
    }
}

/// A type whose JSON is written by hand with `JSONWriter`. The bytes must equal what
/// `JSONEncoder` (`[.sortedKeys, .withoutEscapingSlashes]`) makes of its `Encodable`
/// conformance, so either path gives clients the same body; tests compare the two.
public protocol JSONWritable: Encodable {
    func writeJSON(to writer: inout JSONWriter)
    /// What to reserve up front, so a large body is written without regrowing the array.
    var estimatedJSONByteCount: Int { get }
}

extension JSONWritable {
    public var estimatedJSONByteCount: Int { 256 }

    /// The UTF-8 JSON of this value.
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: estimatedJSONByteCount)
        writeJSON(to: &writer)
        return writer.bytes
    }
}
