import Foundation
import Logging
import Testing

@Suite struct LoggerTests {
    @Test func levelsFilterAndMetadataMerges() {
        let sink = CapturingLogSink()
        let logger = Logger(label: "test", level: .info, metadata: ["request.id": "r1"], sink: sink).with(["room": "!a:b"])
        logger.debug("hidden")
        logger.info("shown", ["egress.id": "EG_1"])
        #expect(sink.captured.map(\.message) == ["shown"])
        #expect(sink.captured.first?.metadata == ["request.id": "r1", "room": "!a:b", "egress.id": "EG_1"])
    }

    /// The access line's entry point (pairs, no dictionary) writes what `log` with a
    /// dictionary writes: plain, with the logger's metadata, and inside a `LogContext` scope.
    @Test(arguments: [false, true])
    func fieldPairsLogLikeADictionary(withLoggerMetadata: Bool) {
        let pairs: [LogRecord.Field] = [("status", "200"), ("method", "GET"), ("request.id", "r9"), ("duration_ms", "0.042")]
        let dictionary = Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })
        let viaPairs = CapturingLogSink(), viaDictionary = CapturingLogSink()
        func logger(_ sink: CapturingLogSink) -> Logger {
            let plain = Logger(label: "http", sink: sink)
            return withLoggerMetadata ? plain.with(["request.id": "own", "room": "r"]) : plain
        }
        logger(viaPairs).log(.info, "request", fields: pairs)
        logger(viaDictionary).log(.info, "request", dictionary)
        LogContext.$metadata.withValue(["scoped": "yes", "status": "shadowed"]) {
            logger(viaPairs).log(.info, "scoped", fields: pairs)
            logger(viaDictionary).log(.info, "scoped", dictionary)
        }
        logger(viaPairs).log(.debug, "filtered", fields: pairs)
        #expect(viaPairs.captured.map(\.message) == ["request", "scoped"])
        #expect(viaPairs.captured.map(\.metadata) == viaDictionary.captured.map(\.metadata))
        #expect(viaPairs.captured.map { $0.fields.map(\.key) } == viaDictionary.captured.map { $0.fields.map(\.key) })
        #expect(viaPairs.captured[0].fields.map(\.key) == viaPairs.captured[0].fields.map(\.key).sorted())
    }

    @Test func jsonLinesAreParseable() throws {
        let sink = CapturingLogSink()
        Logger(label: "test", sink: sink).warning("a \"quoted\" message", ["k": "v"])
        let line = try #require(sink.lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["message"] == "a \"quoted\" message")
        #expect(object["level"] == "warning")
        #expect(object["k"] == "v")
        #expect(object["time"] != nil)
    }

    @Test func redactionRemovesSecretsFromMessagesAndMetadata() {
        let sink = CapturingLogSink()
        let redacting = RedactingLogSink(wrapping: sink, secrets: ["s3cr3t-value", "abc"])
        Logger(label: "test", sink: redacting).error("connect postgres://u:s3cr3t-value@h failed", ["url": "x s3cr3t-value y", "abc": "abc"])
        let record = sink.captured[0]
        #expect(record.message == "connect postgres://u:[redacted]@h failed")
        #expect(record.metadata["url"] == "x [redacted] y")
        // Too short to redact safely: left alone.
        #expect(record.metadata["abc"] == "abc")
    }

    /// The byte search (ASCII secrets) at the edges: whole text, start, end, one byte short,
    /// after multi-byte characters; a non-ASCII secret still found by Foundation's search.
    @Test(arguments: [
        ("tok-123456", "tok-123456", "[redacted]"),
        ("tok-123456", "tok-123456 at start", "[redacted] at start"),
        ("tok-123456", "at the end tok-123456", "at the end [redacted]"),
        ("tok-123456", "tok-12345", "tok-12345"),
        ("tok-123456", "tok-12345 tok-1234567", "tok-12345 [redacted]7"),
        ("tok-123456", "żółć 🎙️ tok-123456", "żółć 🎙️ [redacted]"),
        ("sécret-ñ", "a sécret-ñ here", "a [redacted] here"),
        ("tok-123456", "", ""),
    ])
    func redactionFindsSecretsAnywhere(secret: String, text: String, expected: String) {
        #expect(RedactingLogSink(wrapping: CapturingLogSink(), secrets: [secret]).redact(text) == expected)
    }
}
