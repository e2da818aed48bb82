import Foundation
import Synchronization

/// How lines look: JSON for machines (`LOG_FORMAT=json`), text for people at a terminal.
public enum LogFormat: String, Sendable {
    case json
    case text
}

/// Writes one line per record to standard output (twelve-factor: the platform collects it).
public final class StandardOutputLogSink: LogSink {
    private let format: LogFormat
    private let lock = Mutex(())

    public init(format: LogFormat) {
        self.format = format
    }

    public func write(_ record: LogRecord) {
        let line = LogLineFormatter.line(for: record, format: format) + "\n"
        lock.withLock { _ in
            FileHandle.standardOutput.write(Data(line.utf8))
        }
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
        switch format {
        case .json: json(record)
        case .text: text(record)
        }
    }

    private static func json(_ record: LogRecord) -> String {
        var object: [String: String] = record.metadata
        object["time"] = timestamp(record.date)
        object["level"] = record.level.description
        object["logger"] = record.label
        object["message"] = record.message
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func text(_ record: LogRecord) -> String {
        let fields = record.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\(quoted($0.value))" }
        let level = record.level.description.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)
        return ([timestamp(record.date), level, "[\(record.label)]", record.message] + fields).joined(separator: " ")
    }

    private static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
