/// The bytes of one log line while it is formatted: on the caller's stack until the line
/// outgrows `stackCapacity`, then on the heap. Written through a raw pointer: `[UInt8]`'s
/// `append` checks uniqueness and capacity on every call, which was about half of the access
/// line's cost (bench/, `/health`), and formatting into the shared buffer made both event
/// loops wait for each other's formatting under its lock.
struct LineBytes {
    private var start: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    private var ownsStorage = false

    /// An access line is ~250 bytes; longer lines (error texts) move to the heap.
    static let stackCapacity = 1024

    private init(start: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.start = start
        self.capacity = capacity
    }

    /// Runs `body` with an empty line; its bytes are valid only inside `body`.
    static func withLine<Result>(_ body: (inout LineBytes) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: stackCapacity) { scratch in
            var line = LineBytes(start: scratch.baseAddress!, capacity: scratch.count)
            defer { line.releaseStorage() }
            return try body(&line)
        }
    }

    /// The bytes `build` appends, as an array (tests, `LogLineFormatter.line`).
    static func array(_ build: (inout LineBytes) -> Void) -> [UInt8] {
        withLine { line in
            build(&line)
            return Array(line.bytes)
        }
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(toHold: 1) }
        start[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if capacity - count < bytes.count { grow(toHold: bytes.count) }
        (start + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(literal text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A native string's bytes are read in place; a bridged one is made contiguous first.
    mutating func append(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { append($0) }
        if done == nil {
            var contiguous = text
            contiguous.withUTF8 { append($0) }
        }
    }

    /// Appends `width` bytes and returns where they start, for the caller to fill in
    /// (digits written from the right).
    mutating func appendUninitialized(_ width: Int) -> UnsafeMutablePointer<UInt8> {
        if capacity - count < width { grow(toHold: width) }
        defer { count += width }
        return start + count
    }

    private mutating func grow(toHold extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        storage.initialize(from: start, count: count)
        releaseStorage()
        start = storage
        capacity = newCapacity
        ownsStorage = true
    }

    private mutating func releaseStorage() {
        if ownsStorage { start.deallocate() }
        ownsStorage = false
    }
}
