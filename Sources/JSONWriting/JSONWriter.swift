/// Appends JSON (RFC 8259) as UTF-8 bytes, byte for byte as Foundation's
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes it, for the
/// response types whose encoding is on a hot path (`JSONWritable`). JSONEncoder
/// builds a tree of boxed values per response; this writes straight into one buffer.
///
/// The caller decides the structure and the key order: `object`, then `key` + a value
/// for each member, keys in the order `.sortedKeys` gives (byte order of the UTF-8).
/// Commas are placed here, so a writer never produces `{,` or `,}`.
///
/// The small methods are `@inlinable` so the models' encodings (another module) compile
/// to straight stores instead of a call per key and value. The bytes go into a buffer of
/// its own (an `Array` checked uniqueness and capacity on every append, and took a generic
/// path for each run of bytes: ~5% of a list request), hence `~Copyable` and `deinit`.
public struct JSONWriter: ~Copyable {
    /// A copy of what was written so far.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: start, count: count)) }
    @usableFromInline var start: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    /// A value was written at the current level: the next key or element needs a comma.
    @usableFromInline var needsComma = false

    public init(reservingCapacity capacity: Int = 256) {
        self.capacity = max(capacity, 1)
        start = .allocate(capacity: self.capacity)
    }

    deinit {
        start.deallocate()
    }

    // MARK: Structure

    /// `{` members `}`: `body` writes each member as `key(_:)` then one value.
    @inlinable
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginValue()
        append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[` elements `]`: one value per element.
    @inlinable
    public mutating func array<Elements: Sequence>(_ elements: Elements, _ element: (inout JSONWriter, Elements.Element) -> Void) {
        beginValue()
        append(UInt8(ascii: "["))
        needsComma = false
        for item in elements { element(&self, item) }
        append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member name. Names are the models' Swift identifiers (ASCII letters and
    /// digits), which need no escaping, so they are copied as they are.
    @inlinable
    public mutating func key(_ name: StaticString) {
        if needsComma { append(UInt8(ascii: ",")) }
        append(UInt8(ascii: "\""))
        appendLiteral(name)
        append(UInt8(ascii: "\""))
        append(UInt8(ascii: ":"))
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
        append(UInt8(ascii: "\""))
        appendDecimal(value)
        append(UInt8(ascii: "\""))
    }

    @inlinable
    public mutating func string(_ value: String) {
        beginValue()
        append(UInt8(ascii: "\""))
        appendEscaped(value)
        append(UInt8(ascii: "\""))
    }

    /// `string`, or `null` for nil (a key the contract keeps with `null`).
    @inlinable
    public mutating func string(orNull value: String?) {
        if let value { string(value) } else { null() }
    }

    // MARK: Internals

    @inlinable
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(toAtLeast: count + 1) }
        start[count] = byte
        count += 1
    }

    @inlinable
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        if count + bytes.count > capacity { grow(toAtLeast: count + bytes.count) }
        (start + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Doubles the buffer (or more, for one large run), keeping what was written.
    @usableFromInline
    mutating func grow(toAtLeast minimum: Int) {
        let newCapacity = max(minimum, capacity * 2)
        let newStart = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStart.initialize(from: start, count: count)
        start.deallocate()
        start = newStart
        capacity = newCapacity
    }

    /// A comma if this value follows another at the same level (array elements).
    @inlinable
    mutating func beginValue() {
        if needsComma { append(UInt8(ascii: ",")) }
        needsComma = true
    }

    @inlinable
    mutating func appendLiteral(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// Signed decimal, no leading zeros, as `String(value)` writes it.
    @usableFromInline
    mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // 20 digits hold UInt64.max; filled from the right.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var first = 20
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            append(UnsafeBufferPointer(rebasing: digits[first...]))
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
            if runStart < index { append(UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            appendEscape(for: byte)
            runStart = index + 1
        }
        if runStart < utf8.count { append(UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }

    private static func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private mutating func appendEscape(for byte: UInt8) {
        append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(byte)
        case 0x08: append(UInt8(ascii: "b"))
        case 0x09: append(UInt8(ascii: "t"))
        case 0x0A: append(UInt8(ascii: "n"))
        case 0x0C: append(UInt8(ascii: "f"))
        case 0x0D: append(UInt8(ascii: "r"))
        default:
            appendLiteral("u00")
            append(Self.lowercaseHexDigit(byte >> 4))
            append(Self.lowercaseHexDigit(byte & 0xF))
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
