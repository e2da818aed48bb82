import Foundation
import Testing

@testable import Logging

/// The standard output sink buffers lines; these tests point it at a temporary file.
@Suite("Buffered log lines")
struct BufferedLogSinkTests {
    /// A temporary file open for writing, and a way to read what reached it.
    private final class TemporaryLog {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        let descriptor: Int32

        init() {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }

        deinit {
            close(descriptor)
            unlink(path)
        }

        var lines: [String] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").map(String.init)
        }

        var messages: [String] {
            lines.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])?["message"]
            }
        }
    }

    @Test("lines wait in the buffer until flushed, then all are there in order")
    func flushWritesEverythingInOrder() {
        let file = TemporaryLog()
        let sink = StandardOutputLogSink(format: .json, fileDescriptor: file.descriptor, flushInterval: .seconds(3600))
        let logger = Logger(label: "test", sink: sink)
        logger.info("first")
        #expect(file.lines.isEmpty)
        for index in 1...999 { logger.info("line \(index)") }
        // 8 KiB went out on the way, the rest waits.
        #expect(!file.lines.isEmpty && file.lines.count < 1000)
        logger.flush()
        #expect(file.messages == ["first"] + (1...999).map { "line \($0)" })
    }

    /// Lines are formatted in a stack buffer of `LineBytes.stackCapacity` bytes and move to
    /// the heap past it: lines around and far beyond that size come out whole and escaped.
    @Test("lines longer than the stack buffer come out whole", arguments: [1000, 1023, 1024, 1025, 5000])
    func longLines(length: Int) {
        let file = TemporaryLog()
        let sink = StandardOutputLogSink(format: .json, fileDescriptor: file.descriptor, flushInterval: .seconds(3600))
        let logger = Logger(label: "test", sink: sink)
        let message = String((0..<length).map { index in index % 100 == 99 ? "\"" : Character(String(index % 10)) })
        logger.info("short")
        logger.info(message, ["field": message])
        logger.flush()
        #expect(file.messages == ["short", message])
        let record = LogRecord(date: Date(timeIntervalSince1970: 0), level: .info, label: "t", message: message, metadata: [:])
        let escaped = message.replacingOccurrences(of: "\"", with: "\\\"")
        #expect(LogLineFormatter.line(for: record, format: .json)
            == #"{"level":"info","logger":"t","message":""# + escaped + #"","time":"1970-01-01T00:00:00.000Z"}"#)
    }

    @Test("lines from several threads all arrive, each thread's in its order")
    func concurrentWriters() async {
        let file = TemporaryLog()
        let sink = StandardOutputLogSink(format: .json, fileDescriptor: file.descriptor, flushInterval: .seconds(3600))
        let logger = Logger(label: "test", sink: sink)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask { for index in 0..<500 { logger.info("\(writer) \(index)") } }
            }
        }
        logger.flush()
        let messages = file.messages
        #expect(messages.count == 2000)
        for writer in 0..<4 {
            let own = messages.filter { $0.hasPrefix("\(writer) ") }
            #expect(own == (0..<500).map { "\(writer) \($0)" })
        }
    }

    @Test("a quiet buffer is written within the flush interval")
    func timerFlushes() async {
        let file = TemporaryLog()
        let sink = StandardOutputLogSink(format: .json, fileDescriptor: file.descriptor, flushInterval: .milliseconds(20))
        Logger(label: "test", sink: sink).info("soon")
        let deadline = ContinuousClock.now + .seconds(5)
        while file.messages.isEmpty && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        #expect(file.messages == ["soon"])
    }

    @Test("a warning goes out at once, after the lines buffered before it")
    func warningsAreNotDelayed() {
        let file = TemporaryLog()
        let sink = StandardOutputLogSink(format: .json, fileDescriptor: file.descriptor, flushInterval: .seconds(3600))
        let logger = Logger(label: "test", sink: sink)
        logger.info("before")
        logger.warning("trouble")
        #expect(file.messages == ["before", "trouble"])
    }

    @Test("flush reaches through the redacting sink, and a sink let go writes what it held")
    func flushThroughWrappersAndOnRelease() {
        let file = TemporaryLog()
        do {
            let sink = StandardOutputLogSink(format: .json, fileDescriptor: file.descriptor, flushInterval: .seconds(3600))
            let logger = Logger(label: "test", sink: RedactingLogSink(wrapping: sink, secrets: ["hunter2-secret"]))
            logger.info("password hunter2-secret")
            logger.flush()
            #expect(file.messages == ["password [redacted]"])
            logger.info("last words")
        }
        #expect(file.messages == ["password [redacted]", "last words"])
    }

    @Test("JSON lines: keys sorted, the record's own fields win, control characters escaped")
    func jsonShape() throws {
        let record = LogRecord(
            date: Date(timeIntervalSince1970: 1_769_515_200.25), level: .info, label: "http", message: "a\u{1}b\"c\\",
            metadata: ["zeta": "z", "message": "shadowed", "time": "shadowed", "alpha": "tab\there"])
        let line = LogLineFormatter.line(for: record, format: .json)
        #expect(line == #"{"alpha":"tab\there","level":"info","logger":"http","message":"a\u0001b\"c\\","time":"2026-01-27T12:00:00.250Z","zeta":"z"}"#)
    }

    @Test("text lines: time, padded level, label, message, then fields")
    func textShape() {
        let record = LogRecord(
            date: Date(timeIntervalSince1970: 1_769_515_200.5), level: .info, label: "http", message: "request",
            metadata: ["b": "x y", "a": "1"])
        #expect(LogLineFormatter.line(for: record, format: .text) == #"2026-01-27T12:00:00.500Z INFO    [http] request a=1 b="x y""#)
    }

    /// Every part zero-padded to its width (times chosen so their fractions are exact in binary).
    @Test("timestamps: ISO 8601 UTC with milliseconds, every part padded", arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (981_173_106.0078125, "2001-02-03T04:05:06.007Z"),
        (4_102_444_799.9990234375, "2099-12-31T23:59:59.999Z"),
        (1_769_515_200.0625, "2026-01-27T12:00:00.062Z"),
    ])
    func timestamps(seconds: Double, expected: String) {
        let bytes = LineBytes.array { LogLineFormatter.appendTimestamp(Date(timeIntervalSince1970: seconds), to: &$0) }
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    /// Fields are merged in among level, logger, message and time by key order, wherever
    /// they fall: before, between each pair, after; same bytes as a sort of the whole line.
    @Test("JSON lines: fields between the fixed keys land in key order")
    func jsonFieldsInterleaveWithFixedKeys() {
        let record = LogRecord(
            date: Date(timeIntervalSince1970: 1_769_515_200.125), level: .warning, label: "http", message: "m",
            metadata: ["a": "1", "levels": "2", "logger.x": "3", "method": "4", "route": "5", "timer": "6", "Z": "7"])
        let line = LogLineFormatter.line(for: record, format: .json)
        #expect(line == #"{"Z":"7","a":"1","level":"warning","levels":"2","logger":"http","logger.x":"3","message":"m","method":"4","route":"5","time":"2026-01-27T12:00:00.125Z","timer":"6"}"#)
    }
}
