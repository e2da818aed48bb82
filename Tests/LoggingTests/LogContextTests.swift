import Logging
import Testing

/// The request id reaches lines written by loggers that were made before the request
/// (the domain's), but only while that request's task runs.
@Suite struct LogContextTests {
    @Test func scopedMetadataReachesEveryLoggerInTheTaskAndItsChildren() async {
        let sink = CapturingLogSink()
        let domain = Logger(label: "recording", sink: sink).with(["room": "standup"])
        await LogContext.$metadata.withValue(["request.id": "req-1"]) {
            domain.info("inside")
            await Task { domain.info("in a child task") }.value
        }
        domain.info("outside")
        let ids = sink.captured.map { $0.metadata["request.id"] }
        #expect(ids == ["req-1", "req-1", nil])
        #expect(sink.captured.allSatisfy { $0.metadata["room"] == "standup" })
    }

    @Test func aLoggersOwnMetadataWinsOverTheScope() {
        let sink = CapturingLogSink()
        let logger = Logger(label: "http", sink: sink).with(["request.id": "own"])
        LogContext.$metadata.withValue(["request.id": "scoped"]) { logger.info("line") }
        #expect(sink.captured.first?.metadata["request.id"] == "own")
    }
}
