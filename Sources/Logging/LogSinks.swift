import Foundation
import Synchronization

/// How lines look: JSON for machines (`LOG_FORMAT=json`), text for people at a terminal.
public enum LogFormat: String, Sendable {
    case json
    case text
}

/// Writes one line per record to standard output (twelve-factor: the platform collects it).
///
/// Lines are buffered: one write(2) per line was a tenth of a `/health` request's CPU (one
/// access line per request). The buffer goes out when it passes `bufferLimit`, at the
/// latest `flushInterval` after its first line, at once for a warning or worse, and on
/// `flush()` (the executable flushes before it exits). Lines keep the order in which
/// `write` was called, across threads: one buffer, one lock.
public final class StandardOutputLogSink: LogSink {
    private let format: LogFormat
    private let writer: BufferedLineWriter

    public init(
        format: LogFormat, fileDescriptor: Int32 = STDOUT_FILENO,
        flushInterval: Duration = .milliseconds(100), bufferLimit: Int = 8 * 1024
    ) {
        self.format = format
        self.writer = BufferedLineWriter(fileDescriptor: fileDescriptor, flushInterval: flushInterval, bufferLimit: bufferLimit)
    }

    /// The line is formatted before the writer's lock is taken (on this thread's stack):
    /// under the lock only its bytes are copied, so event loops do not queue behind each
    /// other's formatting (a contended lock sleeps in the kernel and costs a wake-up).
    public func write(_ record: LogRecord) {
        LineBytes.withLine { line in
            LogLineFormatter.append(record, format: format, to: &line)
            line.append(UInt8(ascii: "\n"))
            writer.append(line.bytes, urgent: record.level >= .warning)
        }
    }

    public func flush() { writer.flush() }

    deinit { writer.flush() }
}

/// One byte buffer in front of a file descriptor, flushed by size, by age (a timer on
/// Dispatch's pool, armed when the buffer stops being empty) or on demand.
final class BufferedLineWriter: Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var flushScheduled = false
    }

    private let fileDescriptor: Int32
    private let flushInterval: Duration
    private let bufferLimit: Int
    private let state = Mutex(State())

    init(fileDescriptor: Int32, flushInterval: Duration, bufferLimit: Int) {
        self.fileDescriptor = fileDescriptor
        self.flushInterval = flushInterval
        self.bufferLimit = bufferLimit
    }

    /// Appends whole lines, under the lock (so lines never interleave).
    func append(_ lines: UnsafeBufferPointer<UInt8>, urgent: Bool) {
        let armTimer = state.withLock { state in
            if state.buffer.capacity == 0 { state.buffer.reserveCapacity(bufferLimit + LineBytes.stackCapacity) }
            state.buffer.append(contentsOf: lines)
            // Written under the lock: another thread's later line must not overtake this batch.
            if urgent || state.buffer.count >= bufferLimit { writeOut(&state.buffer) }
            guard !state.buffer.isEmpty, !state.flushScheduled else { return false }
            state.flushScheduled = true
            return true
        }
        if armTimer { scheduleFlush() }
    }

    func flush() {
        state.withLock { writeOut(&$0.buffer) }
    }

    private func scheduleFlush() {
        let (seconds, attoseconds) = flushInterval.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [weak self] in
            self?.state.withLock { state in
                state.flushScheduled = false
                self?.writeOut(&state.buffer)
            }
        }
    }

    private func writeOut(_ buffer: inout [UInt8]) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Keeps every record in memory, for tests that assert on what was logged
/// (including that no secret ever was).
public final class CapturingLogSink: LogSink {
    private let records = Mutex<[LogRecord]>([])

    public init() {}

    public func write(_ record: LogRecord) {
        records.withLock { $0.append(record) }
    }

    public var captured: [LogRecord] { records.withLock { $0 } }

    /// Every record as the JSON line production would write.
    public var lines: [String] { captured.map { LogLineFormatter.line(for: $0, format: .json) } }
}

enum LogLineFormatter {
    static func line(for record: LogRecord, format: LogFormat) -> String {
        String(decoding: LineBytes.array { append(record, format: format, to: &$0) }, as: UTF8.self)
    }

    static func append(_ record: LogRecord, format: LogFormat, to line: inout LineBytes) {
        switch format {
        case .json: appendJSON(record, to: &line)
        case .text: line.append(text(record))
        }
    }

    private static let fixedKeys = ["level", "logger", "message", "time"]

    private static func isFixedKey(_ key: String) -> Bool {
        key == "time" || key == "level" || key == "logger" || key == "message"
    }

    /// Written by hand, keys sorted, as bytes: JSONSerialization cost ~0.3 ms a line, and a
    /// dictionary of the line plus String appends were still ~10% of a `/health` request.
    /// The record's fields come sorted; the four fixed keys are merged in among them.
    private static func appendJSON(_ record: LogRecord, to line: inout LineBytes) {
        line.append(UInt8(ascii: "{"))
        var first = true
        func separate() {
            if !first { line.append(UInt8(ascii: ",")) }
            first = false
        }
        // In key order: level < logger < message < time.
        var fixedWritten = 0
        func appendFixed(before key: String?) {
            while fixedWritten < 4 {
                let fixedKey = fixedKeys[fixedWritten]
                if let key, key < fixedKey { return }
                separate()
                switch fixedWritten {
                case 0: appendPair("level", record.level.description, to: &line)
                case 1: appendPair("logger", record.label, to: &line)
                case 2: appendPair("message", record.message, to: &line)
                default: appendTime(record.date, to: &line)
                }
                fixedWritten += 1
            }
        }
        // The record's own fields win over metadata of the same name.
        for field in record.fields where !isFixedKey(field.key) {
            appendFixed(before: field.key)
            separate()
            appendPair(field.key, field.value, to: &line)
        }
        appendFixed(before: nil)
        line.append(UInt8(ascii: "}"))
    }

    private static func appendPair(_ key: String, _ value: String, to line: inout LineBytes) {
        appendJSONString(key, to: &line)
        line.append(UInt8(ascii: ":"))
        appendJSONString(value, to: &line)
    }

    private static func appendTime(_ date: Date, to line: inout LineBytes) {
        line.append(literal: #""time":""#)
        appendTimestamp(date, to: &line)
        line.append(UInt8(ascii: "\""))
    }

    /// RFC 8259 §7: quote, backslash and control characters escaped; slashes left alone.
    private static func appendJSONString(_ value: String, to line: inout LineBytes) {
        // Native strings are contiguous: their bytes are read in place, with no copy (and
        // retain) of the string as `withUTF8` needs; a bridged one is made contiguous first.
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { appendJSONString(utf8: $0, to: &line) }
        if done == nil {
            var contiguous = value
            contiguous.withUTF8 { appendJSONString(utf8: $0, to: &line) }
        }
    }

    private static func appendJSONString(utf8 bytes: UnsafeBufferPointer<UInt8>, to line: inout LineBytes) {
        line.append(UInt8(ascii: "\""))
        var start = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
            line.append(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            appendEscaped(byte, to: &line)
            start = index + 1
        }
        line.append(UnsafeBufferPointer(rebasing: bytes[start...]))
        line.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ byte: UInt8, to line: inout LineBytes) {
        switch byte {
        case 0x22: line.append(literal: #"\""#)
        case 0x5C: line.append(literal: #"\\"#)
        case 0x0A: line.append(literal: #"\n"#)
        case 0x0D: line.append(literal: #"\r"#)
        case 0x09: line.append(literal: #"\t"#)
        default:
            line.append(literal: #"\u00"#)
            line.append(hexDigit(byte >> 4))
            line.append(hexDigit(byte & 0xF))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private static func text(_ record: LogRecord) -> String {
        let fields = record.fields.map { "\($0.key)=\(quoted($0.value))" }
        let level = record.level.description.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)
        let time = LineBytes.array { appendTimestamp(record.date, to: &$0) }
        return ([String(decoding: time, as: UTF8.self), level, "[\(record.label)]", record.message] + fields).joined(separator: " ")
    }

    private static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
    }

    /// ISO 8601 UTC with milliseconds (`2026-01-27T12:00:00.000Z`).
    static func appendTimestamp(_ date: Date, to line: inout LineBytes) {
        let since1970 = date.timeIntervalSince1970
        var seconds = time_t(since1970.rounded(.down))
        let milliseconds = min(999, Int((since1970 - Double(seconds)) * 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        appendDigits(Int(parts.tm_year) + 1900, count: 4, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, count: 2, to: &line)
        line.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), count: 2, to: &line)
        line.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), count: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), count: 2, to: &line)
        line.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), count: 2, to: &line)
        line.append(UInt8(ascii: "."))
        appendDigits(milliseconds, count: 3, to: &line)
        line.append(UInt8(ascii: "Z"))
    }

    /// `value` (not negative) in decimal, zero-padded to at least `count` digits. Only
    /// divisions by the constant 10 (compiled to multiplications): dividing by a variable
    /// power of ten took ~40 hardware divisions a timestamp.
    private static func appendDigits(_ value: Int, count: Int, to line: inout LineBytes) {
        var width = 1
        var rest = value / 10
        while rest > 0 {
            width += 1
            rest /= 10
        }
        let digits = line.appendUninitialized(max(width, count))
        var remaining = value
        for index in (0..<max(width, count)).reversed() {
            digits[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
    }
}
