import Foundation
import Testing
import TestSupport

/// `/metrics` as Prometheus reads it: valid text exposition (prometheus_client's parser),
/// counters that follow the traffic, and labels that never name a room or an egress.
@Suite("Operations: /metrics", .enabled(if: LiveStack.canRun))
struct OperationsMetricsTests {
    @Test func countersFollowTrafficAndLabelsCarryNoRoomsOrIds() async throws {
        let room = "ops-metrics-\(UUID().uuidString.prefix(8))"
        let refused = "ops-refused-\(UUID().uuidString.prefix(8))"
        let stack = try await LiveStack(rooms: [room: ["alice"], refused: ["bob"]])
        try await withStack(stack) { stack in
            let api = stack.client()

            let before = try await MetricsScrape.of(api)
            #expect(before.sum("recording_api_build_info", ["version": "1.0.0"]) == 1)
            #expect(before.type(of: "recording_api_http_requests") == "counter")
            #expect(before.sum("recording_api_recordings_started_total") == 0)

            let started = try await api.post("/api/recording/start", object: ["roomName": room])
            let egressId = try #require(started.json["egressId"] as? String, "\(started.text)")
            #expect(try await api.post("/api/recording/start", object: ["roomName": room]).status == 409)
            #expect(try await api.get("/api/recording/status/\(egressId)").status == 200)
            #expect(try await api.get("/api/recording/status/EG_unknown0000").status == 404)
            // LiveKit refuses one start: the call is counted with a failed outcome.
            try await stack.emulator.control("POST", "faults", ["method": "StartRoomCompositeEgress", "code": "unavailable"])
            #expect(try await api.post("/api/recording/start", object: ["roomName": refused]).status == 503)
            let activated = try await eventually(within: 5) {
                (try await stack.emulator.control("GET", "webhooks").text).contains("egress_started")
            }
            #expect(activated)

            let during = try await MetricsScrape.of(api)
            #expect(during.sum("recording_api_http_requests_total", ["route": "/api/recording/start", "method": "POST", "status": "200"]) == 1)
            #expect(during.sum("recording_api_http_requests_total", ["route": "/api/recording/start", "method": "POST", "status": "409"]) == 1)
            #expect(during.sum("recording_api_http_requests_total", ["route": "/api/recording/status/{egressId}", "method": "GET", "status": "404"]) == 1)
            #expect(during.sum("recording_api_http_requests_total", ["route": "/metrics", "status": "200"]) == 1)
            #expect(during.sum("recording_api_recordings_started_total") == 1)
            #expect(during.sum("recording_api_recordings_active") == 1)
            let startCalls = ["method": "StartRoomCompositeEgress"]
            #expect(during.sum("recording_api_livekit_requests_total", startCalls) == 2)
            #expect(during.sum("recording_api_livekit_requests_total", startCalls.merging(["outcome": "ok"]) { $1 }) == 1)
            #expect(during.sum("recording_api_livekit_request_duration_seconds_count", startCalls) == 2)
            #expect(during.sum("recording_api_livekit_request_duration_seconds_bucket", startCalls.merging(["le": "+Inf"]) { $1 }) == 2)
            #expect(during.type(of: "recording_api_livekit_request_duration_seconds") == "histogram")
            #expect(during.sum("recording_api_webhooks_received_total", ["event": "egress_started"]) >= 1)
            let webhookResults = during.samples.filter { $0.name == "recording_api_webhooks_received_total" }.compactMap { $0.labels["result"] }
            #expect(!webhookResults.isEmpty && webhookResults.allSatisfy { !$0.isEmpty }, "\(webhookResults)")
            #expect(during.sum("recording_api_reconcile_runs_total") >= 1)

            try await Task.sleep(for: .seconds(1))
            let stopped = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(stopped.status == 200, "\(stopped.text)")
            #expect(try await eventually(within: 15) {
                (try await stack.emulator.control("GET", "webhooks").text).contains("egress_ended")
            })
            try await Task.sleep(for: .milliseconds(300))

            let after = try await MetricsScrape.of(api)
            #expect(after.sum("recording_api_recordings_ended_total", ["status": "EGRESS_COMPLETE"]) == 1)
            #expect(after.sum("recording_api_recordings_active") == 0)
            #expect(after.sum("recording_api_livekit_requests_total", ["method": "StopEgress", "outcome": "ok"]) == 1)
            #expect(after.sum("recording_api_webhooks_received_total", ["event": "egress_ended"]) >= 1)
            #expect(after.sum("recording_api_http_requests_total", ["route": "/api/recording/stop", "status": "200"]) == 1)
            #expect(after.sum("recording_api_http_requests_total") > during.sum("recording_api_http_requests_total"))

            // Bounded label values: no room, no egress id, no key; routes are templates.
            for value in after.labelValues {
                #expect(!value.contains(room) && !value.contains(refused) && !value.contains(egressId) && !value.contains("EG_unknown"), "\(value)")
                #expect(!value.contains(LiveStack.operatorKey) && !value.contains(EmulatorProcess.apiSecret))
            }
            let routes = Set(after.samples.compactMap { $0.labels["route"] })
            #expect(routes.isSuperset(of: ["/api/recording/start", "/api/recording/stop", "/api/recording/status/{egressId}", "/metrics"]), "\(routes)")
        }
    }
}
