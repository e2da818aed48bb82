import CLibEvent
import Foundation
import Logging
import Testing

@testable import HTTPServer

@Suite("libevent's own messages")
struct LibeventLogTests {
    /// libevent prints `[warn] …` to stderr unless told otherwise; routed, the warning is a
    /// line of the server's log. Each started server routes to its own logger (parallel
    /// tests start many), so the route is taken again right before each try.
    @Test func aLibeventWarningIsALineOfTheServersLog() throws {
        let sink = CapturingLogSink()
        let marker = "not-an-address-\(UUID().uuidString.prefix(8))"
        let base = try #require(event_base_new())
        defer { event_base_free(base) }
        let resolver = try #require(evdns_base_new(base, 0))
        defer { evdns_base_free(resolver, 0) }
        for _ in 0..<20 where !sink.lines.joined().contains(marker) {
            LibeventLog.route(to: Logger(label: "http", sink: sink))
            // evdns warns "Unable to parse nameserver address …".
            _ = evdns_base_nameserver_ip_add(resolver, marker)
        }
        let line = sink.captured.first { $0.message.contains(marker) }
        #expect(line?.level == .warning)
        #expect(line?.metadata["component"] == "libevent")
    }
}
