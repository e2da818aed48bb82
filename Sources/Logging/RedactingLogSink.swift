import Foundation

/// Wraps a sink and replaces every occurrence of the configured secrets in a
/// record's message and metadata with `[redacted]`. A last line of defence: code
/// must not log secrets in the first place, but an upstream error text that quotes
/// a connection string or a request must not leak one either.
public struct RedactingLogSink: LogSink {
    private let base: any LogSink
    private let secrets: [String]
    /// Per secret: only ASCII, so a byte search finds it (see `mayContain`).
    private let asciiSecrets: [Bool]
    /// The ASCII secrets' bytes, and which bytes start one: a line is screened in one pass
    /// over its bytes, whatever the number of secrets.
    private let asciiSecretBytes: [[UInt8]]
    private let startsASCIISecret: [Bool]
    private let otherSecrets: [String]

    /// Secrets shorter than 6 characters are ignored: redacting them would mangle ordinary words.
    public init(wrapping base: any LogSink, secrets: [String]) {
        self.base = base
        self.secrets = Array(Set(secrets.filter { $0.count >= 6 })).sorted { $0.count > $1.count }
        asciiSecrets = self.secrets.map { $0.utf8.allSatisfy { $0 < 0x80 } }
        asciiSecretBytes = zip(self.secrets, asciiSecrets).filter(\.1).map { Array($0.0.utf8) }
        otherSecrets = zip(self.secrets, asciiSecrets).filter { !$0.1 }.map(\.0)
        var starts = [Bool](repeating: false, count: 256)
        for secret in asciiSecretBytes { starts[Int(secret[0])] = true }
        startsASCIISecret = starts
    }

    public func write(_ record: LogRecord) {
        // Almost no line holds a secret: the record is rebuilt only for one that does.
        guard !secrets.isEmpty, containsSecret(record) else { return base.write(record) }
        base.write(LogRecord(
            date: record.date, level: record.level, label: record.label, message: redact(record.message),
            sortedFields: record.fields.map { (key: $0.key, value: redact($0.value)) }))
    }

    public func flush() { base.flush() }

    private func containsSecret(_ record: LogRecord) -> Bool {
        containsSecret(record.message) || record.fields.contains { containsSecret($0.value) }
    }

    private func containsSecret(_ text: String) -> Bool {
        var text = text
        let ascii = text.withUTF8 { bytes in
            for start in bytes.indices where startsASCIISecret[Int(bytes[start])] {
                for secret in asciiSecretBytes where secret[0] == bytes[start] && bytes.count - start >= secret.count {
                    if memcmp(bytes.baseAddress! + start, secret, secret.count) == 0 { return true }
                }
            }
            return false
        }
        return ascii || otherSecrets.contains { text.contains($0) }
    }

    public func redact(_ text: String) -> String {
        var text = text
        for (secret, ascii) in zip(secrets, asciiSecrets) where Self.mayContain(text, secret, ascii: ascii) {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return text
    }

    /// Every log line (the access log too) is checked against every secret, so this runs
    /// ~40 times a request. Foundation's `contains` goes through NSString and UTF-16 on
    /// Linux: ~100 µs a line, a quarter of a `/health` request's CPU (bench/results). An
    /// ASCII secret is found in the UTF-8 bytes (`memchr` then `memcmp`, no allocation); any
    /// other keeps Foundation's comparison, whose Unicode equivalence a byte search would
    /// not match.
    static func mayContain(_ text: String, _ secret: String, ascii: Bool) -> Bool {
        guard ascii else { return text.contains(secret) }
        var text = text
        var secret = secret
        return text.withUTF8 { haystack in
            secret.withUTF8 { needle in
                guard let first = needle.first, haystack.count >= needle.count else { return false }
                let start = haystack.baseAddress!, last = haystack.count - needle.count
                var offset = 0
                // memchr jumps to each candidate first byte (vectorised); memcmp checks it.
                while offset <= last, let found = memchr(start + offset, Int32(first), last - offset + 1) {
                    let candidate = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self))
                    if memcmp(candidate, needle.baseAddress!, needle.count) == 0 { return true }
                    offset = candidate - start + 1
                }
                return false
            }
        }
    }
}
