import Foundation
import LiveKit
import Testing
import TestSupport

/// Issue 5, end to end: the recording API against a real `recording-api` process, the
/// LiveKit emulator (LiveKit's own schema) and the S3 server. Each test owns its stack.
@Suite("End to end: the recording API", .enabled(if: LiveStack.canRun))
struct RecordingAPITests {
    static let participants = ["alice", "bob"]

    // MARK: Layouts

    @Test func everyLayoutReachesLiveKitIsEchoedAndCanBeChangedWhileRecording() async throws {
        let layouts = ["grid-dark", "grid-light", "speaker-dark", "speaker-light"]
        let rooms = Dictionary(uniqueKeysWithValues: (layouts + ["default"]).map { ($0, E2E.room($0)) })
        try await E2E.withStack(rooms: Dictionary(uniqueKeysWithValues: rooms.values.map { ($0, Self.participants) })) { stack in
            let api = stack.client()
            for layout in layouts {
                let started = try await api.post("/api/recording/start", object: ["roomName": rooms[layout]!, "layout": layout])
                #expect(started.status == 200, "\(layout): \(started.text)")
                #expect(started.json["layout"] as? String == layout)
                let egressId = try #require(started.json["egressId"] as? String)
                let seen = try await E2E.emulatorEgress(stack, egressId)
                let request = (seen["info"] as? [String: Any])?["room_composite"] as? [String: Any]
                #expect(request?["layout"] as? String == layout, "LiveKit got \(String(describing: request?["layout"]))")
                #expect(E2E.egress(try await api.get("/api/recording/status/\(egressId)"))["layout"] as? String == layout)
            }

            // No layout: grid-dark, sent to LiveKit as such.
            let started = try await api.post("/api/recording/start", object: ["roomName": rooms["default"]!])
            #expect(started.json["layout"] as? String == "grid-dark", "\(started.text)")
            let egressId = try #require(started.json["egressId"] as? String)
            let request = (try await E2E.emulatorEgress(stack, egressId)["info"] as? [String: Any])?["room_composite"] as? [String: Any]
            #expect(request?["layout"] as? String == "grid-dark")

            // Change it while recording: LiveKit's UpdateLayout gets it, the API says so.
            try #require(try await E2E.waitForStatus(api, egressId, "EGRESS_ACTIVE") != nil)
            let changed = try await api.post("/api/recording/layout", object: ["egressId": egressId, "layout": "speaker-light"])
            #expect(changed.status == 200, "\(changed.text)")
            #expect(changed.json["layout"] as? String == "speaker-light")
            #expect(try await E2E.emulatorEgress(stack, egressId)["layouts"] as? [String] == ["speaker-light"])
            #expect(E2E.egress(try await api.get("/api/recording/status/\(egressId)"))["layout"] as? String == "speaker-light")

            // Ended: refused as a conflict, LiveKit not asked again.
            let stopped = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(stopped.status == 200, "\(stopped.text)")
            let late = try await api.post("/api/recording/layout", object: ["egressId": egressId, "layout": "grid-light"])
            E2E.expectFailure(late, 409, "not_active")
            #expect(try await E2E.emulatorEgress(stack, egressId)["layouts"] as? [String] == ["speaker-light"])
        }
    }

    /// LiveKit keeps an egress STARTING until a worker's pipeline runs (held here).
    @Test func whileStartingLayoutIsRefusedTruthfullyAndStopAborts() async throws {
        let room = E2E.room("starting")
        try await E2E.withStack(rooms: [room: Self.participants]) { stack in
            let api = stack.client()
            try await stack.emulator.control("POST", "hold", ["hold": true])
            let started = try await api.post("/api/recording/start", object: ["roomName": room])
            #expect(started.json["status"] as? String == "EGRESS_STARTING", "\(started.text)")
            let egressId = try #require(started.json["egressId"] as? String)

            let early = try await api.post("/api/recording/layout", object: ["egressId": egressId, "layout": "speaker-dark"])
            E2E.expectFailure(early, 409, "not_active")
            let message = early.json["error"] as? String ?? ""
            #expect(message.contains("EGRESS_STARTING") && !message.contains("ENDING"), "\(message)")

            let stopped = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(stopped.status == 200, "\(stopped.text)")
            #expect(stopped.json["status"] as? String == "EGRESS_ABORTED", "\(stopped.text)")
            #expect(E2E.epochMilliseconds(stopped.json["endedAt"]) != nil)
            try await stack.emulator.control("POST", "hold", ["hold": false])
            #expect(try await api.post("/api/recording/start", object: ["roomName": room]).status == 200, "room freed")
        }
    }

    // MARK: One recording per room

    @Test func twentyConcurrentStartsInOneRoomMakeOneRecording() async throws {
        let room = E2E.room("race")
        try await E2E.withStack(rooms: [room: Self.participants]) { stack in
            let api = stack.client()
            let responses = try await withThrowingTaskGroup(of: TestHTTPClient.Response.self) { group in
                for _ in 0..<20 { group.addTask { try await api.post("/api/recording/start", object: ["roomName": room]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = responses.filter { $0.status == 200 }
            let losers = responses.filter { $0.status != 200 }
            #expect(winners.count == 1, "\(responses.map(\.status))")
            let egressId = try #require(winners.first?.json["egressId"] as? String)
            #expect(losers.count == 19)
            for loser in losers {
                E2E.expectFailure(loser, 409, "already_recording")
                #expect(loser.json["egressId"] as? String == egressId, "\(loser.text)")
            }
            #expect(try await E2E.calls(stack, "StartRoomCompositeEgress").count == 1)
            let active = try await api.get("/api/recording/list?active=true&roomName=\(Self.query(room))")
            #expect((active.json["recordings"] as? [[String: Any]])?.compactMap { $0["egressId"] as? String } == [egressId])
        }
    }

    // MARK: Stop and unknowns

    @Test func stopTwiceAnswersTheFinalStateAndUnknownsAre404() async throws {
        let room = E2E.room("stop-twice")
        try await E2E.withStack(rooms: [room: Self.participants]) { stack in
            let api = stack.client()
            let (egressId, _) = try await E2E.startActive(api, room: room)
            let first = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(first.status == 200, "\(first.text)")
            #expect(first.json["status"] as? String == "EGRESS_COMPLETE")
            let second = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(second.status == 200, "\(second.text)")
            #expect(second.json["success"] as? Bool == true)
            #expect(second.json["status"] as? String == "EGRESS_COMPLETE")
            #expect(second.json["endedAt"] as? String == first.json["endedAt"] as? String)
            #expect(try await E2E.calls(stack, "StopEgress").count == 1)

            E2E.expectFailure(try await api.post("/api/recording/stop", object: ["egressId": "EG_doesnotexist"]), 404, "not_found")
            E2E.expectFailure(try await api.get("/api/recording/status/EG_doesnotexist"), 404, "not_found")
            let noRoom = try await api.post("/api/recording/start", object: ["roomName": E2E.room("nowhere")])
            E2E.expectFailure(noRoom, 404, "room_not_found")
            #expect(try await E2E.calls(stack, "StartRoomCompositeEgress").count == 1)
        }
    }

    // MARK: Bad input

    static let badBodies: [(label: String, body: String, code: String)] = [
        ("invalid JSON", #"{"roomName": "#, "invalid_json"),
        ("empty body", "", "invalid_json"),
        ("a JSON array", #"["!a:b"]"#, "invalid_json"),
        ("a JSON string", #""!a:b""#, "invalid_json"),
        ("roomName a number", #"{"roomName": 42}"#, "invalid_field"),
        ("roomName null", #"{"roomName": null}"#, "missing_field"),
        ("layout a number", #"{"roomName": "!a:b", "layout": 3}"#, "invalid_field"),
        ("unknown layout", #"{"roomName": "!a:b", "layout": "mosaic"}"#, "invalid_layout"),
        ("maxDurationSeconds a string", #"{"roomName": "!a:b", "maxDurationSeconds": "2"}"#, "invalid_field"),
        ("maxDurationSeconds zero", #"{"roomName": "!a:b", "maxDurationSeconds": 0}"#, "invalid_field"),
        ("missing roomName", #"{"layout": "grid-dark"}"#, "missing_field"),
        ("empty roomName", #"{"roomName": ""}"#, "invalid_room_name"),
        ("roomName with NUL", #"{"roomName": "!a\u0000b:c"}"#, "invalid_room_name"),
        ("maxDurationSeconds too large", #"{"roomName": "!a:b", "maxDurationSeconds": 1e30}"#, "invalid_field"),
        ("maxDurationSeconds a fraction", #"{"roomName": "!a:b", "maxDurationSeconds": 2.5}"#, "invalid_field"),
        ("a lone surrogate", #"{"roomName": "!a\ud800:b"}"#, "invalid_json"),
        ("deeply nested", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), "invalid_json"),
        ("roomName of 257 bytes", #"{"roomName": "\#(String(repeating: "r", count: 257))"}"#, "invalid_room_name"),
    ]

    @Test func badInputIsAnsweredWithTheErrorShapeNever500() async throws {
        try await E2E.withStack(rooms: [E2E.room("bad-input"): Self.participants]) { stack in
            let api = stack.client()
            for bad in Self.badBodies {
                let response = try await api.post("/api/recording/start", json: bad.body)
                #expect(response.status == 400, "\(bad.label): \(response.status) \(response.text)")
                E2E.expectFailure(response, 400, bad.code)
            }
            for body in [#"{}"#, #"{"egressId": 7}"#, #"[]"#, ""] {
                E2E.expectFailure(try await api.post("/api/recording/stop", json: body), 400)
                E2E.expectFailure(try await api.post("/api/recording/layout", json: body), 400)
            }
            E2E.expectFailure(try await api.post("/api/recording/layout", object: ["egressId": "EG_x", "layout": "tiles"]), 400, "invalid_layout")
            let notUTF8 = try await api.send("POST", "/api/recording/start", body: Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]), headers: ["Content-Type": "application/json"])
            E2E.expectFailure(notUTF8, 400)

            // Odd egress ids in the path: 400 or 404, never 500.
            for path in ["%00", "%2e%2e", "..%2F..%2Fetc", "%ZZ", String(repeating: "e", count: 300), "EG_%F0%9F%8E%A5"] {
                let response = try await api.get("/api/recording/status/\(path)")
                #expect([400, 404].contains(response.status), "\(path): \(response.status) \(response.text)")
                E2E.expectFailure(response, response.status)
                let deleted = try await api.send("DELETE", "/api/recording/\(path)")
                #expect([400, 404].contains(deleted.status), "DELETE \(path): \(deleted.status) \(deleted.text)")
            }

            // Over 64 KiB: 413 in JSON, not libevent's HTML page.
            let padding = String(repeating: "x", count: 70 * 1024)
            let large = try await api.post("/api/recording/start", json: #"{"roomName": "!a:b", "pad": "\#(padding)"}"#)
            E2E.expectFailure(large, 413, "payload_too_large")

            let wrongMethod = try await api.get("/api/recording/start")
            E2E.expectFailure(wrongMethod, 405, "method_not_allowed")
            #expect(wrongMethod.header("Allow")?.contains("POST") == true, "\(wrongMethod.headers)")
            let deleteStop = try await api.send("DELETE", "/api/recording/stop")
            E2E.expectFailure(deleteStop, 405)
            #expect(deleteStop.header("Allow") != nil)
            // `/api/recording/{egressId}` exists for DELETE only.
            let getOnDelete = try await api.get("/api/recording/EG_something")
            E2E.expectFailure(getOnDelete, 405, "method_not_allowed")
            #expect(getOnDelete.header("Allow")?.contains("DELETE") == true, "\(getOnDelete.headers)")
            E2E.expectFailure(try await api.get("/api/recording/status/EG_x/extra"), 404)
            E2E.expectFailure(try await api.get("/api/nothing"), 404)
            E2E.expectFailure(try await api.post("/no/such/path", json: "{}"), 404)

            // Bad list parameters.
            for query in ["limit=0", "limit=501", "limit=ten", "status=DONE", "active=maybe", "cursor=not-a-cursor"] {
                let response = try await api.get("/api/recording/list?\(query)")
                #expect(response.status == 400, "\(query): \(response.text)")
                E2E.expectFailure(response, 400)
            }
            #expect(try await stack.client().get("/health").status == 200)
            #expect(try await E2E.calls(stack, "StartRoomCompositeEgress").isEmpty)
        }
    }

    // MARK: Odd room names

    static let oddRooms = ["!a:b", "a/b", "a+b c", "Комната 🎥 会議", "!../../etc:passwd", String(repeating: "é", count: 128)]

    @Test func oddRoomNamesRecordUnderSafeKeys() async throws {
        // Unique per run (the bucket is shared), each still odd in the way it is named for.
        let suffix = String(UUID().uuidString.prefix(4))
        var rooms = Self.oddRooms.dropLast().map { $0 + suffix }
        rooms.append(String(repeating: "é", count: 126) + suffix)  // 252 + 4 = 256 bytes: the most allowed
        #expect(rooms.last?.utf8.count == 256)
        try await E2E.withStack(rooms: Dictionary(uniqueKeysWithValues: rooms.map { ($0, Self.participants) })) { stack in
            let api = stack.client()
            for room in rooms {
                let started = try await api.post("/api/recording/start", object: ["roomName": room])
                #expect(started.status == 200, "\(room): \(started.text)")
                #expect(started.json["roomName"] as? String == room)
                let key = try #require((started.json["file"] as? [String: Any])?["key"] as? String)
                #expect(key.hasPrefix("recordings/") && key.hasSuffix(".mp4"), "\(key)")
                let name = key.dropFirst("recordings/".count)
                for forbidden in ["!", ":", "+", "/", "..", " ", "\\"] {
                    #expect(!name.contains(forbidden), "\(room) → \(key) contains \(forbidden)")
                }
                let egressId = try #require(started.json["egressId"] as? String)
                let seen = (try await E2E.emulatorEgress(stack, egressId)["info"] as? [String: Any])?["room_name"] as? String
                #expect(seen == room, "LiveKit was asked for \(String(describing: seen))")
            }
            let keys = try await withThrowingTaskGroup(of: String?.self) { group in
                for room in rooms {
                    group.addTask {
                        let list = try await api.get("/api/recording/list?roomName=\(Self.query(room))")
                        let first = (list.json["recordings"] as? [[String: Any]])?.first
                        return (first?["file"] as? [String: Any])?["key"] as? String
                    }
                }
                return try await group.reduce(into: Set<String>()) { if let key = $1 { $0.insert(key) } }
            }
            #expect(keys.count == rooms.count, "every room has its own key: \(keys)")
        }
    }

    // MARK: LiveKit trouble

    @Test func liveKitUnavailableIs503AndLeavesTheRoomFree() async throws {
        let room = E2E.room("unavailable")
        try await E2E.withStack(rooms: [room: Self.participants]) { stack in
            let api = stack.client()
            try await stack.emulator.control("POST", "faults", ["method": "StartRoomCompositeEgress", "code": "unavailable"])
            let refused = try await api.post("/api/recording/start", object: ["roomName": room])
            E2E.expectFailure(refused, 503, "livekit_unavailable")
            #expect(Int(refused.header("Retry-After") ?? "") != nil, "\(refused.headers)")
            #expect(try await api.get("/health").status == 200)
            let list = try await api.get("/api/recording/list?roomName=\(Self.query(room))")
            #expect((list.json["recordings"] as? [Any])?.isEmpty == true, "\(list.text)")

            let retried = try await api.post("/api/recording/start", object: ["roomName": room])
            #expect(retried.status == 200, "the room stayed locked: \(retried.text)")
            #expect(try await E2E.calls(stack, "StartRoomCompositeEgress").count == 2)

            // A stop LiveKit cannot take: 503, the recording still runs, a retry stops it.
            let egressId = try #require(retried.json["egressId"] as? String)
            try #require(try await E2E.waitForStatus(api, egressId, "EGRESS_ACTIVE") != nil)
            try await stack.emulator.control("POST", "faults", ["method": "StopEgress", "code": "unavailable"])
            let stopRefused = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            E2E.expectFailure(stopRefused, 503, "livekit_unavailable")
            #expect(stopRefused.header("Retry-After") != nil)
            #expect(E2E.egress(try await api.get("/api/recording/status/\(egressId)"))["status"] as? String == "EGRESS_ACTIVE")
            let stopped = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(stopped.status == 200 && stopped.json["status"] as? String == "EGRESS_COMPLETE", "\(stopped.text)")
        }
    }

    /// Reconcile is slowed to an hour, so only the webhook can bring the failure.
    @Test func failedEgressWebhookSetsFailedWithItsErrorAndFreesTheRoom() async throws {
        let room = E2E.room("failed")
        try await E2E.withStack(rooms: [room: Self.participants], environment: ["RECORDING_RECONCILE_SECONDS": "3600"]) { stack in
            let api = stack.client()
            let (egressId, _) = try await E2E.startActive(api, room: room)
            let reason = "pipeline crashed: out of memory (e2e)"
            // LiveKit may deliver a webhook twice: applying it again must change nothing.
            try await stack.emulator.control("POST", "webhooks", ["duplicate": 3])
            try await stack.emulator.control("POST", "egress/end", ["egress_id": egressId, "status": "EGRESS_FAILED", "error": reason])
            let failed = try await E2E.waitForStatus(api, egressId, "EGRESS_FAILED", within: 4)
            #expect(failed?["error"] as? String == reason, "\(String(describing: failed))")
            #expect(E2E.epochMilliseconds(failed?["endedAt"]) != nil)
            let again = try await api.post("/api/recording/start", object: ["roomName": room])
            #expect(again.status == 200, "room still locked: \(again.text)")
            let sent = try await stack.emulator.control("GET", "webhooks?wait=1").json["sent"] as? [[String: Any]] ?? []
            let failedDeliveries = sent.filter { $0["status"] as? String == "EGRESS_FAILED" }.flatMap { $0["delivered"] as? [Int] ?? [] }.filter { $0 == 200 }
            #expect(failedDeliveries.count >= 2, "the FAILED webhook was delivered twice: \(sent)")
            let after = E2E.egress(try await api.get("/api/recording/status/\(egressId)"))
            #expect(after["status"] as? String == "EGRESS_FAILED" && after["error"] as? String == reason)
        }
    }

    @Test func webhookWithABadSignatureIs401AndChangesNothing() async throws {
        let room = E2E.room("webhook")
        try await E2E.withStack(rooms: [room: Self.participants], environment: ["RECORDING_RECONCILE_SECONDS": "3600"]) { stack in
            let api = stack.client()
            let (egressId, _) = try await E2E.startActive(api, room: room)
            // The emulator's webhooks (valid signatures) brought ACTIVE; they were delivered.
            let sent = try await stack.emulator.control("GET", "webhooks?wait=1").json["sent"] as? [[String: Any]] ?? []
            #expect(sent.contains { $0["status"] as? String == "EGRESS_ACTIVE" && $0["dropped"] as? Bool == false }, "\(sent)")

            let forged = """
                {"event":"egress_ended","id":"EV_forged","createdAt":"\(Int(Date().timeIntervalSince1970))",
                 "egressInfo":{"egressId":"\(egressId)","roomName":"\(room)","status":"EGRESS_FAILED","error":"forged"}}
                """
            let webhooks = TestHTTPClient(baseURL: stack.service.baseURL)
            let hook = ["Content-Type": "application/webhook+json"]
            let unsigned = try await webhooks.send("POST", "/webhooks/livekit", body: Data(forged.utf8), headers: hook)
            E2E.expectFailure(unsigned, 401)
            let garbage = try await webhooks.send(
                "POST", "/webhooks/livekit", body: Data(forged.utf8), headers: hook.merging(["Authorization": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"]) { _, n in n })
            E2E.expectFailure(garbage, 401)
            // Signed with another secret; signed with ours but for another body.
            for (secret, bodyHash) in [("not-the-secret-0123456789abcdef0123456789", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="),
                                       (EmulatorProcess.apiSecret, "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")] {
                var token = AccessToken(apiKey: EmulatorProcess.apiKey, apiSecret: secret)
                token.sha256 = bodyHash
                let signed = try await webhooks.send(
                    "POST", "/webhooks/livekit", body: Data(forged.utf8), headers: hook.merging(["Authorization": token.toJWT()]) { _, n in n })
                E2E.expectFailure(signed, 401)
            }
            let status = E2E.egress(try await api.get("/api/recording/status/\(egressId)"))
            #expect(status["status"] as? String == "EGRESS_ACTIVE", "a forged webhook changed the state: \(status)")
        }
    }

    // MARK: Restarts

    @Test func restartAndCrashMidRecordingKeepHistoryAndStopStillCompletes() async throws {
        let room = E2E.room("restart")
        let earlier = E2E.room("restart-earlier")
        try await E2E.withStack(rooms: [room: Self.participants, earlier: Self.participants]) { stack in
            let first = try await E2E.record(stack.client(), room: earlier)
            let (egressId, key) = try await E2E.startActive(stack.client(), room: room)

            try await stack.restartService()
            var api = stack.client()
            #expect(E2E.egress(try await api.get("/api/recording/status/\(egressId)"))["status"] as? String == "EGRESS_ACTIVE")
            #expect(E2E.egress(try await api.get("/api/recording/status/\(first.egressId)"))["status"] as? String == "EGRESS_COMPLETE")

            try await stack.restartService(crash: true)
            api = stack.client()
            let ids = (try await api.get("/api/recording/list").json["recordings"] as? [[String: Any]] ?? []).compactMap { $0["egressId"] as? String }
            #expect(ids == [egressId, first.egressId])
            E2E.expectFailure(try await api.post("/api/recording/start", object: ["roomName": room]), 409, "already_recording")

            let stopped = try await api.post("/api/recording/stop", object: ["egressId": egressId])
            #expect(stopped.status == 200, "\(stopped.text)")
            #expect(stopped.json["status"] as? String == "EGRESS_COMPLETE")
            #expect((try await stack.bucket.headObject(key: key)?.size ?? 0) > 0)
        }
    }

    // MARK: Reconcile

    @Test func reconcileHealsLostWebhooks() async throws {
        let room = E2E.room("lost-webhooks")
        try await E2E.withStack(rooms: [room: Self.participants]) { stack in
            let api = stack.client()
            let (egressId, _) = try await E2E.startActive(api, room: room)
            try await stack.emulator.control("POST", "webhooks", ["drop": 10])
            try await stack.emulator.control("POST", "egress/end", ["egress_id": egressId, "status": "EGRESS_ABORTED", "error": "lost (e2e)"])
            // RECORDING_RECONCILE_SECONDS=2 in LiveStack: two rounds and some slack.
            let healed = try await E2E.waitForStatus(api, egressId, "EGRESS_ABORTED", within: 6)
            #expect(healed?["error"] as? String == "lost (e2e)", "\(String(describing: healed))")
            let sent = try await stack.emulator.control("GET", "webhooks").json["sent"] as? [[String: Any]] ?? []
            #expect(sent.contains { $0["status"] as? String == "EGRESS_ABORTED" && $0["dropped"] as? Bool == true })
            #expect(try await api.post("/api/recording/start", object: ["roomName": room]).status == 200)
        }
    }

    @Test func egressLiveKitForgotIsMarkedFailedAndTheRoomFreed() async throws {
        let room = E2E.room("forgotten")
        try await E2E.withStack(rooms: [room: Self.participants]) { stack in
            let api = stack.client()
            let (egressId, _) = try await E2E.startActive(api, room: room)
            try await stack.emulator.control("POST", "egress/forget", ["egress_id": egressId])
            let failed = try await E2E.waitForStatus(api, egressId, "EGRESS_FAILED", within: 6)
            #expect(((failed?["error"] as? String) ?? "").contains("no longer knows"), "\(String(describing: failed))")
            #expect(try await api.post("/api/recording/start", object: ["roomName": room]).status == 200)
        }
    }

    @Test func maxDurationStopsTheRecordingOnTime() async throws {
        let room = E2E.room("max-duration")
        try await E2E.withStack(rooms: [room: Self.participants]) { stack in
            let api = stack.client()
            let (egressId, _) = try await E2E.startActive(api, room: room, extra: ["maxDurationSeconds": 2])
            let ended = try await E2E.eventually(within: 10) {
                let egress = E2E.egress(try await api.get("/api/recording/status/\(egressId)"))
                return ["EGRESS_COMPLETE", "EGRESS_LIMIT_REACHED"].contains(egress["status"] as? String ?? "") ? egress : nil
            }
            let recording = try #require(ended, "not stopped within 10 s")
            // Active for at least its 2 s, stopped by the next reconcile round (every 2 s) after that.
            let started = try #require(E2E.epochMilliseconds(recording["startedAt"]))
            let endedAt = try #require(E2E.epochMilliseconds(recording["endedAt"]))
            #expect(endedAt - started >= 2000, "\(recording)")
            // Active time (LiveKit's duration): its 2 s, then at most one reconcile interval (2 s) and some slack.
            let activeMs = try #require((recording["file"] as? [String: Any])?["durationMs"] as? Int)
            #expect((2000...5500).contains(activeMs), "\(recording)")
            #expect(recording["stoppedBy"] as? String == "max-duration", "\(recording)")
            #expect(try await E2E.calls(stack, "StopEgress").count == 1)
        }
    }

    // MARK: List

    @Test func listIsNewestFirstFiltersAndPagesEachRecordingOnce() async throws {
        let rooms = (0..<3).map { E2E.room("list-\($0)") }
        try await E2E.withStack(rooms: Dictionary(uniqueKeysWithValues: rooms.map { ($0, Self.participants) })) { stack in
            let api = stack.client()
            var made: [String] = []  // oldest first
            for room in [rooms[0], rooms[1], rooms[0]] {
                made.append(try await E2E.record(api, room: room).egressId)
            }
            let active = try await E2E.startActive(api, room: rooms[2]).egressId
            made.append(active)

            let all = try await api.get("/api/recording/list")
            #expect(all.status == 200)
            #expect(Self.ids(all) == made.reversed(), "newest first")
            for recording in all.json["recordings"] as? [[String: Any]] ?? [] {
                #expect(Set(["egressId", "roomName", "status", "startedAt", "endedAt"]).isSubset(of: recording.keys))
                #expect(E2E.epochMilliseconds(recording["startedAt"]) != nil, "\(recording)")
                let running = recording["egressId"] as? String == active
                // Epoch-ms strings; null (present) while unknown.
                #expect(running ? recording["endedAt"] is NSNull : E2E.epochMilliseconds(recording["endedAt"]) != nil, "\(recording)")
            }
            let status = E2E.egress(try await api.get("/api/recording/status/\(active)"))
            #expect(status["endedAt"] is NSNull && status["error"] is NSNull, "\(status)")
            #expect(Self.ids(try await api.get("/api/recording/list?roomName=\(Self.query(rooms[0]))")) == [made[2], made[0]])
            #expect(Self.ids(try await api.get("/api/recording/list?status=EGRESS_COMPLETE")) == [made[2], made[1], made[0]])
            #expect(Self.ids(try await api.get("/api/recording/list?status=EGRESS_ACTIVE")) == [active])
            #expect(Self.ids(try await api.get("/api/recording/list?active=true")) == [active])
            #expect(Self.ids(try await api.get("/api/recording/list?limit=1")) == [active])

            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await api.get("/api/recording/list?limit=3" + (cursor.map { "&cursor=\(Self.query($0))" } ?? ""))
                #expect(page.status == 200, "\(page.text)")
                seen += Self.ids(page)
                cursor = page.json["nextCursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == made.reversed(), "every recording exactly once, in order")
            #expect(pages == 2)
        }
    }

    // MARK: Helpers

    static func ids(_ response: TestHTTPClient.Response) -> [String] {
        (response.json["recordings"] as? [[String: Any]] ?? []).compactMap { $0["egressId"] as? String }
    }

    static func query(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
    }
}
