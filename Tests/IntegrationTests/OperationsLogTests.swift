import Foundation
import Testing
import TestSupport

/// The service log as an operator reads it with LOG_FORMAT=json: one JSON object per line,
/// a request's lines tied together by `request.id`, and a recording's whole story findable
/// by its egress id.
@Suite("Operations: structured logs", .enabled(if: LiveStack.canRun))
struct OperationsLogTests {
    @Test func everyLineIsJSONAndARecordingsStoryIsInTheLog() async throws {
        let room = "ops-log-\(UUID().uuidString.prefix(8))"
        let stack = try await LiveStack(rooms: [room: ["alice"]], environment: ["LOG_FORMAT": "json", "LOG_LEVEL": "info"])
        try await withStack(stack) { stack in
            let api = stack.client()
            let requestId = "ops-log-" + UUID().uuidString.prefix(8).lowercased()

            let started = try await api.post("/api/recording/start", object: ["roomName": room], headers: ["X-Request-Id": requestId])
            #expect(started.header("X-Request-Id") == requestId)
            let egressId = try #require(started.json["egressId"] as? String, "\(started.text)")
            let key = try #require((started.json["file"] as? [String: Any])?["key"] as? String)
            try await Task.sleep(for: .seconds(1))
            let stopped = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(stopped.status == 200, "\(stopped.text)")
            #expect(try await eventually(within: 15) {
                (try await api.get("/api/recording/status/\(egressId)").json["egress"] as? [String: Any])?["status"] as? String == "EGRESS_COMPLETE"
            })

            let raw = await stack.service.settledLog().split(separator: "\n", omittingEmptySubsequences: true)
            let lines = raw.map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(!raw.isEmpty)
            for (line, parsed) in zip(raw, lines) { #expect(parsed != nil, "not JSON: \(line)") }
            let records = lines.compactMap { $0 }
            for record in records {
                #expect(record["time"] is String && record["level"] is String && record["message"] is String, "\(record)")
            }

            // The request: its access line and the domain's lines while serving it carry its id.
            let ofRequest = records.filter { $0["request.id"] as? String == requestId }
            let messages = ofRequest.compactMap { $0["message"] as? String }
            #expect(messages.contains("request"), "\(ofRequest)")
            #expect(messages.contains { $0.hasPrefix("Recording requested by operator operator:e2e") }, "\(ofRequest)")
            let access = try #require(ofRequest.first { $0["message"] as? String == "request" })
            #expect(access["route"] as? String == "/api/recording/start" && access["status"] as? String == "200")

            // The recording: who asked, its egress id, each status change, the file.
            let story = records.filter { $0["egress.id"] as? String == egressId }.compactMap { $0["message"] as? String }
            #expect(story.contains { $0.contains("LiveKit started egress \(egressId)") }, "\(story)")
            for change in ["EGRESS_STARTING → EGRESS_ACTIVE", "→ EGRESS_COMPLETE"] {
                #expect(story.contains { $0.contains(change) }, "no '\(change)' in \(story)")
            }
            let stored = records.first { $0["egress.id"] as? String == egressId && $0["message"] as? String == "Recording file stored" }
            #expect(stored?["file.key"] as? String == key, "\(story)")
            let requester = records.first { ($0["message"] as? String)?.hasPrefix("Recording requested by operator operator:e2e") == true }
            #expect(requester?["room"] as? String == room)
            #expect(!stack.service.log.contains(LiveStack.operatorKey) && !stack.service.log.contains(EmulatorProcess.apiSecret))
        }
    }
}
