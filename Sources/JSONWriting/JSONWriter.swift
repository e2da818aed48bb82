/// Appends JSON (RFC 8259) as UTF-8 bytes, byte for byte as Foundation's
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes it, for the
/// response types whose encoding is on a hot path (`JSONWritable`). JSONEncoder
/// builds a tree of boxed values per response; this writes straight into one array.
///
/// The caller decides the structure and the key order: `object`, then `key` + a value
/// for each member, keys in the order `.sortedKeys` gives (byte order of the UTF-8).
/// Commas are placed here, so a writer never produces `{,` or `,}`.
///
/// The small methods are `@inlinable` so the models' encodings (another module) compile
/// to straight appends instead of a call per key and value.
public struct JSONWriter {
    public var bytes: [UInt8] { output }
    @usableFromInline var output: [UInt8]
    /// A value was written at the current level: the next key or element needs a comma.
    @usableFromInline var needsComma = false

    public init(reservingCapacity capacity: Int = 256) {
        output = []
        output.reserveCapacity(capacity)
    }

    // MARK: Structure

    /// `{` members `}`: `body` writes each member as `key(_:)` then one value.
    @inlinable
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginValue()
        output.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        output.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[` elements `]`: one value per element.
    @inlinable
    public mutating func array<Elements: Sequence>(_ elements: Elements, _ element: (inout JSONWriter, Elements.Element) -> Void) {
        beginValue()
        output.append(UInt8(ascii: "["))
        needsComma = false
        for item in elements { element(&self, item) }
        output.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name. Names are the models' Swift identifiers (ASCII letters and
    /// digits), which need no escaping, so they are copied as they are.
    @inlinable
    public mutating func key(_ name: StaticString) {
        if needsComma { output.append(UInt8(ascii: ",")) }
        output.append(UInt8(ascii: "\""))
        appendLiteral(name)
        output.append(UInt8(ascii: "\""))
        output.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Values

    @inlinable
    public mutating func null() {
        beginValue()
        appendLiteral("null")
    }

    @inlinable
    public mutating func bool(_ value: Bool) {
        beginValue()
        appendLiteral(value ? "true" : "false")
    }

    /// A JSON number. Doubles are deliberately absent: JSONEncoder's shortest-round-trip
    /// formatting is not worth copying while no model on a hot path has one.
    @inlinable
    public mutating func integer(_ value: Int64) {
        beginValue()
        appendDecimal(value)
    }

    @inlinable
    public mutating func integer(_ value: Int) {
        integer(Int64(value))
    }

    /// A JSON string holding the decimal digits of `value` (how `EpochMilliseconds` is sent).
    @inlinable
    public mutating func integerString(_ value: Int64) {
        beginValue()
        output.append(UInt8(ascii: "\""))
        appendDecimal(value)
        output.append(UInt8(ascii: "\""))
    }

    @inlinable
    public mutating func string(_ value: String) {
        beginValue()
        output.append(UInt8(ascii: "\""))
        appendEscaped(value)
        output.append(UInt8(ascii: "\""))
    }

    /// `string`, or `null` for nil (a key the contract keeps with `null`).
    @inlinable
    public mutating func string(orNull value: String?) {
        if let value { string(value) } else { null() }
    }

    // MARK: Internals

    /// A comma if this value follows another at the same level (array elements).
    @inlinable
    mutating func beginValue() {
        if needsComma { output.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    @inlinable
    mutating func appendLiteral(_ text: StaticString) {
        text.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    /// Signed decimal, no leading zeros, as `String(value)` writes it.
    @usableFromInline
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // 20 digits hold UInt64.max; filled from the right.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Copies runs that need no escape in one go. Escaped, as JSONEncoder does: `"` and
    /// `\`, the short forms `\b \t \n \f \r`, other controls below 0x20 as `\u00xx`
    /// (lower-case hex). Not escaped: `/` (`.withoutEscapingSlashes`), DEL, U+2028/2029,
    /// and all other non-ASCII, which stays UTF-8.
    @usableFromInline
    mutating func appendEscaped(_ text: String) {
        if let done: Void = text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) { return done }
        // Small and bridged strings have no contiguous UTF-8 to lend; `withUTF8` makes it.
        var text = text
        text.withUTF8 { appendEscaped($0) }
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            appendEscape(for: byte)
            runStart = index + 1
        }
        if runStart < utf8.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }

    private static func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private mutating func appendEscape(for byte: UInt8) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x09: output.append(UInt8(ascii: "t"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        default:
            appendLiteral("u00")
            output.append(Self.lowercaseHexDigit(byte >> 4))
            output.append(Self.lowercaseHexDigit(byte & 0xF))
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
