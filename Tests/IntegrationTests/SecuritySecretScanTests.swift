import Foundation
import LiveKit
import Testing
import TestSupport

/// "Tokens, keys and S3 credentials never appear in logs, responses, errors or metrics":
/// a busy scenario (starts, stops, failures, bad tokens, webhooks), then every byte we got
/// back and every line the service logged is searched for every secret it was given.
@Suite("End to end: no secret leaks", .enabled(if: LiveStack.canRun))
struct SecuritySecretScanTests {
    /// Everything the service answered, kept for the scan.
    final class Transcript: @unchecked Sendable {
        private(set) var responses: [TestHTTPClient.Response] = []
        private(set) var bearers: [String] = []

        @discardableResult
        func record(_ response: TestHTTPClient.Response) -> TestHTTPClient.Response {
            responses.append(response)
            return response
        }

        func client(_ stack: LiveStack, bearer: String) -> TestHTTPClient {
            if !bearer.isEmpty { bearers.append(bearer) }
            return stack.client(bearer: bearer)
        }
    }

    @Test func aBusyScenarioLeaksNoSecretIntoLogsResponsesOrMetrics() async throws {
        let roomA = "!leak-a-\(UUID().uuidString.prefix(8)):example.org", roomB = "!leak-b-\(UUID().uuidString.prefix(8)):example.org"
        let s3AccessKey = "AKIASCAN\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).uppercased())"
        let s3SecretKey = "s3-secret-\(UUID().uuidString)"
        let metricsToken = "metrics-\(UUID().uuidString)"
        let stack = try await LiveStack(
            rooms: [roomA: ["alice"], roomB: ["bob"]],
            environment: ["S3_ACCESS_KEY": s3AccessKey, "S3_SECRET_KEY": s3SecretKey, "METRICS_TOKEN": metricsToken])
        // A failing expectation that throws leaves the rest to this; the normal path stops below.
        defer { Task { await stack.stop() } }
        let log = Transcript()
        let operatorAPI = log.client(stack, bearer: LiveStack.operatorKey)
        let alice = log.client(stack, bearer: Tokens.participant("alice", room: roomA))
        let bob = log.client(stack, bearer: Tokens.participant("bob", room: roomB))

        // Starts by an operator and a participant; status, list, layout, rooms, audit.
        let first = log.record(try await operatorAPI.post("/api/recording/start", object: ["roomName": roomA]))
        let firstId = try #require(first.json["egressId"] as? String, "\(first.text)")
        let second = log.record(try await bob.post("/api/recording/start", object: ["roomName": roomB]))
        let secondId = try #require(second.json["egressId"] as? String, "\(second.text)")
        log.record(try await alice.get("/api/recording/status/\(firstId)"))
        log.record(try await alice.get("/api/recording/list"))
        log.record(try await bob.post("/api/recording/layout", object: ["egressId": secondId, "layout": "speaker-dark"]))
        log.record(try await operatorAPI.get("/api/rooms"))

        // Failures: LiveKit down for a start, an egress that fails, a stop of a finished one.
        try await stack.emulator.control("POST", "faults", ["count": 1, "method": "StartRoomCompositeEgress", "code": "unavailable"])
        log.record(try await operatorAPI.post("/api/recording/start", object: ["roomName": roomB]))
        try await Task.sleep(for: .seconds(1))
        try await stack.emulator.control("POST", "egress/end", ["egress_id": secondId, "status": "EGRESS_FAILED", "error": "encoder crashed"])
        log.record(try await alice.post("/api/recording/stop", object: ["egressId": firstId]))
        log.record(try await operatorAPI.post("/api/recording/stop", object: ["egressId": secondId]))
        log.record(try await operatorAPI.get("/api/recording/download/\(firstId)"))
        log.record(try await operatorAPI.get("/api/recording/download/\(firstId)?redirect=true"))
        log.record(try await operatorAPI.post("/api/recording/start", json: #"{"roomName": 42}"#))

        // Bad credentials of every kind, on reads and writes.
        let now = Date()
        for bad in ["garbage", Tokens.participant("alice", room: roomA, secret: "another-secret-0123456789abcdef"),
                    Tokens.unsigned("alice", room: roomA), Tokens.participant("alice", room: roomA, now: now.addingTimeInterval(-1000), ttl: 600),
                    Tokens.participant("mallory", room: roomB), metricsToken] {
            let api = log.client(stack, bearer: bad)
            log.record(try await api.get("/api/recording/list"))
            log.record(try await api.post("/api/recording/start", object: ["roomName": roomB]))
        }
        log.record(try await alice.get("/api/audit"))
        log.record(try await alice.send("DELETE", "/api/recording/\(firstId)"))
        log.record(try await operatorAPI.get("/api/audit"))

        // Webhooks: a forged one, and the emulator's own have been arriving all along.
        let forged = Tokens.participant("webhook", room: roomA, secret: "forged-secret-0123456789abcdef")
        log.record(try await stack.client(bearer: "").send(
            "POST", "/webhooks/livekit", body: Data(#"{"event":"egress_ended"}"#.utf8), headers: ["Authorization": forged]))
        _ = try await stack.emulator.control("GET", "webhooks?wait=1")

        // Metrics, with and without the metrics token.
        log.record(try await log.client(stack, bearer: "").get("/metrics"))
        let metrics = log.record(try await log.client(stack, bearer: metricsToken).get("/metrics"))
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("recording"))

        let secrets: [(String, String)] = [
            ("LiveKit API secret", EmulatorProcess.apiSecret), ("S3 secret key", s3SecretKey),
            ("operator key", LiveStack.operatorKey), ("METRICS_TOKEN", metricsToken), ("forged webhook token", forged),
        ] + log.bearers.map { ("a bearer token", $0) }
        let serviceLog = await stack.service.settledLog()
        #expect(serviceLog.contains("audit"), "the scan needs a log to scan")
        #expect(log.responses.count >= 25)
        for (name, secret) in secrets {
            #expect(!serviceLog.contains(secret), "the service log contains the \(name)")
            for response in log.responses {
                #expect(!response.text.contains(secret), "a \(response.status) body contains the \(name)")
                #expect(!response.headers.description.contains(secret), "\(response.status) headers contain the \(name)")
            }
        }
        // The S3 access key id is public by SigV4's design: a presigned download link carries it
        // in X-Amz-Credential. Nowhere else may it appear.
        #expect(!serviceLog.contains(s3AccessKey), "the service log contains the S3 access key")
        for response in log.responses {
            let outsideCredential = Self.withoutSigV4Credential(response.text + response.headers.description)
            #expect(!outsideCredential.contains(s3AccessKey), "a \(response.status) answer contains the S3 access key")
        }
        await stack.stop()
    }

    /// The text with every `X-Amz-Credential=<value>` parameter removed.
    static func withoutSigV4Credential(_ text: String) -> String {
        text.replacingOccurrences(of: #"X-Amz-Credential=[^&"\s]*"#, with: "X-Amz-Credential=", options: .regularExpression)
    }
}
