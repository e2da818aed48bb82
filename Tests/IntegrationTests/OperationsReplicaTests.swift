import Foundation
import Testing
import TestSupport

/// Two `recording-api` replicas on ONE PostgreSQL database and ONE LiveKit: the database,
/// not the process, decides who records a room and who reconciles (DESIGN: several replicas).
@Suite("Operations: two replicas on one PostgreSQL", .enabled(if: TestPostgres.canRun))
struct OperationsReplicaTests {
    /// Both replicas start at the same moment on a fresh database, so they also race
    /// through the migrations; then 20 starts for one room, alternating replicas.
    @Test func twentyConcurrentStartsOverTwoReplicasMakeOneRecordingThatTheOtherReplicaStops() async throws {
        let database = try TestPostgres.createDatabase()
        let room = "ops-replicas-\(UUID().uuidString.prefix(8))"
        let stack = try await LiveStack(rooms: [room: ["alice"]], environment: ["DATABASE_URL": database], replicas: 1)
        try await withStack(stack, cleanup: { TestPostgres.dropDatabase(database) }) { stack in
            let apis = [stack.client(), TestHTTPClient(baseURL: stack.replicas[0].baseURL, bearer: LiveStack.operatorKey)]
            for api in apis { #expect(try await api.get("/ready").status == 200) }

            let answers = try await withThrowingTaskGroup(of: (Int, TestHTTPClient.Response).self) { group in
                for attempt in 0..<20 {
                    group.addTask { (attempt % 2, try await apis[attempt % 2].post("/api/recording/start", object: ["roomName": room])) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = answers.filter { $0.1.status == 200 }
            let losers = answers.filter { $0.1.status != 200 }
            #expect(winners.count == 1, "\(answers.map { "\($0.0):\($0.1.status)" })")
            #expect(losers.allSatisfy { $0.1.status == 409 && $0.1.json["code"] as? String == "already_recording" },
                    "\(losers.map { $0.1.text })")
            #expect(Set(answers.map(\.0)) == [0, 1])
            #expect(try await stack.emulator.callCount("StartRoomCompositeEgress") == 1)

            let (startedOn, started) = try #require(winners.first)
            let egressId = try #require(started.json["egressId"] as? String)
            let other = apis[1 - startedOn]
            let active = try await eventually(within: 5) {
                (try await other.get("/api/recording/status/\(egressId)").json["egress"] as? [String: Any])?["status"] as? String == "EGRESS_ACTIVE"
            }
            #expect(active)
            let stopped = try await other.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(stopped.status == 200, "\(stopped.text)")
            // COMPLETE, or ENDING when the upload outlasts the stop wait on a busy machine.
            #expect(["EGRESS_COMPLETE", "EGRESS_ENDING"].contains(stopped.json["status"] as? String))
            for api in apis {
                #expect(try await eventually(within: 15) {
                    (try await api.get("/api/recording/status/\(egressId)").json["egress"] as? [String: Any])?["status"] as? String == "EGRESS_COMPLETE"
                })
            }
            #expect(try await stack.emulator.callCount("StopEgress") == 1)
        }
    }

    /// Webhooks are lost and both replicas reconcile every 2 s: the lease lets exactly one
    /// of them correct each drift, and LiveKit sees each corrective call once.
    @Test func bothReplicasReconcileButOnlyTheLeaseHolderActs() async throws {
        let database = try TestPostgres.createDatabase()
        let (ended, capped) = ("ops-oob-\(UUID().uuidString.prefix(8))", "ops-cap-\(UUID().uuidString.prefix(8))")
        let stack = try await LiveStack(rooms: [ended: ["alice"], capped: ["bob"]], environment: ["DATABASE_URL": database], replicas: 1)
        try await withStack(stack, cleanup: { TestPostgres.dropDatabase(database) }) { stack in
            let apis = [stack.client(), TestHTTPClient(baseURL: stack.replicas[0].baseURL, bearer: LiveStack.operatorKey)]
            // The list answers from the database only (status may ask LiveKit itself when the row is stale).
            func status(_ egressId: String) async throws -> String? {
                let list = try await apis[1].get("/api/recording/list?limit=50")
                return (list.json["recordings"] as? [[String: Any]])?.first { $0["egressId"] as? String == egressId }?["status"] as? String
            }

            // 1. An egress that LiveKit ends while its webhook is lost.
            let first = try await apis[0].post("/api/recording/start", object: ["roomName": ended])
            let endedId = try #require(first.json["egressId"] as? String, "\(first.text)")
            #expect(try await eventually(within: 5) { try await status(endedId) == "EGRESS_ACTIVE" })
            try await stack.emulator.control("POST", "webhooks", ["drop": 1000])
            try await stack.emulator.control("POST", "egress/end", ["egress_id": endedId, "status": "EGRESS_FAILED", "error": "out of band", "webhook": false])
            #expect(try await eventually(within: 8) { try await status(endedId) == "EGRESS_FAILED" })

            // 2. A recording past its maximum duration, all webhooks lost: reconcile activates and stops it.
            let second = try await apis[1].post("/api/recording/start", object: ["roomName": capped, "maxDurationSeconds": 2])
            let cappedId = try #require(second.json["egressId"] as? String, "\(second.text)")
            #expect(try await eventually(within: 15) { try await status(cappedId) == "EGRESS_COMPLETE" })

            // Two more rounds on each replica: any second actor would show now.
            try await Task.sleep(for: .seconds(4.5))
            #expect(try await stack.emulator.callCount("StopEgress") == 1)
            let audit = try await apis[0].get("/api/audit?egressId=\(cappedId)")
            let stops = (audit.json["entries"] as? [[String: Any]] ?? [])
                .filter { $0["action"] as? String == "stop" }
            #expect(stops.count == 1, "\(audit.text)")

            let scrapes = [try await MetricsScrape.of(apis[0]), try await MetricsScrape.of(apis[1])]
            // Both loops ran; the one without the lease skipped every round it tried.
            for scrape in scrapes { #expect(scrape.sum("recording_api_reconcile_runs_total") >= 2) }
            #expect(scrapes.map { $0.sum("recording_api_reconcile_runs_total", ["outcome": "skipped"]) }.reduce(0, +) >= 2)
            // The failure out of band is corrected once: its status line exists once across both logs.
            let logs = await stack.service.settledLog() + stack.replicas[0].log
            let corrections = logs.split(separator: "\n").filter { $0.contains(endedId) && $0.contains("EGRESS_FAILED (from reconcile)") }
            #expect(corrections.count == 1, "\(corrections)")
        }
    }
}
