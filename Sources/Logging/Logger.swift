import Foundation
import Synchronization

/// A small structured logger: a level, a label and metadata, written as one line per
/// event to a `LogSink`. Passed down explicitly (never a global) so a request's
/// logger carries its `request.id` into every line the request causes; components
/// that keep their own logger (the domain) still get it through `LogContext`.
///
/// Never put a token, key or secret into a message or metadata value: sinks write
/// what they are given.
public struct Logger: Sendable {
    public enum Level: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
        case trace, debug, info, notice, warning, error, critical

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .trace: "trace"
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            case .critical: "critical"
            }
        }

        public init?(name: String) {
            guard let level = Level.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
            self = level
        }
    }

    public typealias Metadata = [String: String]

    public let label: String
    public var level: Level
    public var metadata: Metadata
    private let sink: any LogSink

    public init(label: String, level: Level = .info, metadata: Metadata = [:], sink: any LogSink) {
        self.label = label
        self.level = level
        self.metadata = metadata
        self.sink = sink
    }

    /// A copy of this logger whose lines all carry `extra` too.
    public func with(_ extra: Metadata) -> Logger {
        var copy = self
        // The server's logger has no metadata of its own: no merge for each request's copy.
        if copy.metadata.isEmpty {
            copy.metadata = extra
        } else {
            copy.metadata.merge(extra) { _, new in new }
        }
        return copy
    }

    /// A copy with another label (the component speaking), same sink and metadata.
    public func labelled(_ label: String) -> Logger {
        Logger(label: label, level: level, metadata: metadata, sink: sink)
    }

    public func log(_ level: Level, _ message: @autoclosure () -> String, _ extra: Metadata = [:]) {
        guard level >= self.level else { return }
        // No merge (a new dictionary) when one side is empty: the access line's case.
        var merged = extra.isEmpty ? metadata : metadata.isEmpty ? extra : metadata.merging(extra) { _, new in new }
        let scoped = LogContext.metadata
        if !scoped.isEmpty { merged.merge(scoped) { own, _ in own } }
        sink.write(LogRecord(date: Date(), level: level, label: label, message: message(), metadata: merged))
    }

    /// `log` with its fields as pairs (keys distinct, best in key order): a line written for
    /// every request (the access line) then builds no dictionary. Same line as `log` with a
    /// dictionary.
    public func log(_ level: Level, _ message: String, fields: [LogRecord.Field]) {
        guard level >= self.level else { return }
        guard metadata.isEmpty, LogContext.metadata.isEmpty else {
            return log(level, message, Dictionary(fields, uniquingKeysWith: { _, new in new }))
        }
        // Sorting copies even a sorted array (a malloc): callers that list their fields in key
        // order (the access line) skip that.
        let isSorted = zip(fields, fields.dropFirst()).allSatisfy { $0.key < $1.key }
        let sorted = isSorted ? fields : fields.sorted { $0.key < $1.key }
        sink.write(LogRecord(date: Date(), level: level, label: label, message: message, sortedFields: sorted))
    }

    /// Writes out buffered lines; call before the process exits.
    public func flush() { sink.flush() }

    public func trace(_ message: @autoclosure () -> String, _ extra: Metadata = [:]) { log(.trace, message(), extra) }
    public func debug(_ message: @autoclosure () -> String, _ extra: Metadata = [:]) { log(.debug, message(), extra) }
    public func info(_ message: @autoclosure () -> String, _ extra: Metadata = [:]) { log(.info, message(), extra) }
    public func notice(_ message: @autoclosure () -> String, _ extra: Metadata = [:]) { log(.notice, message(), extra) }
    public func warning(_ message: @autoclosure () -> String, _ extra: Metadata = [:]) { log(.warning, message(), extra) }
    public func error(_ message: @autoclosure () -> String, _ extra: Metadata = [:]) { log(.error, message(), extra) }
    public func critical(_ message: @autoclosure () -> String, _ extra: Metadata = [:]) { log(.critical, message(), extra) }
}

/// Metadata for every line logged while a task (and its child tasks) runs, whichever
/// logger writes it: the HTTP server scopes each request's `request.id` here, so the
/// domain's lines about a request carry its id although the domain has its own logger.
/// A logger's own metadata wins over it.
public enum LogContext {
    @TaskLocal public static var metadata: Logger.Metadata = [:]
}

/// One log event, before formatting.
public struct LogRecord: Sendable {
    public typealias Field = (key: String, value: String)

    public let date: Date
    public let level: Logger.Level
    public let label: String
    public let message: String
    /// The metadata sorted by key, each key once: sinks write and screen it in order,
    /// without hashing (the access line is written once per request).
    public let fields: [Field]

    public var metadata: Logger.Metadata {
        Dictionary(fields, uniquingKeysWith: { first, _ in first })
    }

    public init(date: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) {
        self.init(date: date, level: level, label: label, message: message, sortedFields: metadata.sorted { $0.key < $1.key })
    }

    /// `sortedFields` must be sorted by key with no key twice.
    public init(date: Date, level: Logger.Level, label: String, message: String, sortedFields: [Field]) {
        self.date = date
        self.level = level
        self.label = label
        self.message = message
        self.fields = sortedFields
    }
}

/// Where log records go. Implementations must be safe to call from any thread.
public protocol LogSink: Sendable {
    func write(_ record: LogRecord)
    /// Writes out whatever the sink buffers (before the process exits).
    func flush()
}

extension LogSink {
    public func flush() {}
}

extension Logger {
    /// A logger that drops everything (tests that do not look at logs).
    public static let discarding = Logger(label: "discard", level: .critical, sink: DiscardingLogSink())
}

struct DiscardingLogSink: LogSink {
    func write(_ record: LogRecord) {}
}
