import Foundation

/// Wraps a sink and replaces every occurrence of the configured secrets in a
/// record's message and metadata with `[redacted]`. A last line of defence: code
/// must not log secrets in the first place, but an upstream error text that quotes
/// a connection string or a request must not leak one either.
public struct RedactingLogSink: LogSink {
    private let base: any LogSink
    private let secrets: [String]

    /// Secrets shorter than 6 characters are ignored: redacting them would mangle ordinary words.
    public init(wrapping base: any LogSink, secrets: [String]) {
        self.base = base
        self.secrets = Array(Set(secrets.filter { $0.count >= 6 })).sorted { $0.count > $1.count }
    }

    public func write(_ record: LogRecord) {
        guard !secrets.isEmpty else { return base.write(record) }
        base.write(LogRecord(
            date: record.date, level: record.level, label: record.label, message: redact(record.message),
            metadata: record.metadata.mapValues(redact)))
    }

    public func redact(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return text
    }
}
