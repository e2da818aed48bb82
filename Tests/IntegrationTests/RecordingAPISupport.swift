import Foundation
import Testing
import TestSupport

/// Shared steps of the end-to-end suites: a stack per test, polling for a state the
/// webhooks or the reconcile loop bring, and the contract's error shape.
enum E2E {
    /// A room name no other test (nor a stored object key from an earlier run) shares.
    static func room(_ label: String) -> String {
        "!\(label)-\(UUID().uuidString.prefix(8).lowercased()):e2e.example.org"
    }

    /// Runs `body` against a stack of its own, then checks LiveKit's schema refused
    /// nothing the service sent, and tears the stack down whatever happened.
    static func withStack(
        rooms: [String: [String]], environment: [String: String] = [:], _ body: (LiveStack) async throws -> Void
    ) async throws {
        let stack = try await LiveStack(rooms: rooms, environment: environment)
        do {
            try await body(stack)
            let rejections = try await stack.emulator.rejections()
            #expect(rejections.isEmpty, "LiveKit's schema refused requests: \(rejections)")
            let log = await stack.service.settledLog()
            for secret in [EmulatorProcess.apiSecret, "dev-secret-key", LiveStack.operatorKey] {
                #expect(!log.contains(secret), "a secret reached the service log")
            }
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    /// Polls `probe` until it returns a value, for up to `seconds`.
    static func eventually<T>(
        within seconds: Double = 10, every interval: Duration = .milliseconds(150), _ probe: () async throws -> T?
    ) async throws -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let value = try await probe() { return value }
            if Date() > deadline { return nil }
            try await Task.sleep(for: interval)
        }
    }

    static func egress(_ response: TestHTTPClient.Response) -> [String: Any] {
        response.json["egress"] as? [String: Any] ?? [:]
    }

    /// Waits until the status endpoint reports `status`; returns the egress object (nil on time-out).
    @discardableResult
    static func waitForStatus(
        _ api: TestHTTPClient, _ egressId: String, _ status: String, within seconds: Double = 10
    ) async throws -> [String: Any]? {
        try await eventually(within: seconds) {
            let egress = egress(try await api.get("/api/recording/status/\(egressId)"))
            return egress["status"] as? String == status ? egress : nil
        }
    }

    /// Starts a recording and waits until it is ACTIVE (a stop while STARTING ends ABORTED).
    static func startActive(_ api: TestHTTPClient, room: String, extra: [String: Any] = [:]) async throws -> (egressId: String, key: String) {
        let started = try await api.post("/api/recording/start", object: extra.merging(["roomName": room]) { _, new in new })
        try #require(started.status == 200, "start \(room): \(started.status) \(started.text)")
        let egressId = try #require(started.json["egressId"] as? String)
        let key = try #require((started.json["file"] as? [String: Any])?["key"] as? String)
        try #require(try await waitForStatus(api, egressId, "EGRESS_ACTIVE") != nil, "\(egressId) never became active")
        return (egressId, key)
    }

    /// Starts, lets it record a second, stops: a COMPLETE recording with its file in the bucket.
    static func record(_ api: TestHTTPClient, room: String) async throws -> (egressId: String, key: String) {
        let started = try await startActive(api, room: room)
        try await Task.sleep(for: .seconds(1))
        let stopped = try await api.post("/api/recording/stop", object: ["egressId": started.egressId])
        try #require(stopped.status == 200, "\(stopped.text)")
        try #require(try await waitForStatus(api, started.egressId, "EGRESS_COMPLETE") != nil, "\(started.egressId) never completed")
        return started
    }

    /// The contract's failure: the status, JSON, `success:false`, the code, a non-empty sentence.
    static func expectFailure(
        _ response: TestHTTPClient.Response, _ status: Int, _ code: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(response.status) \(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true,
                "content type \(response.header("Content-Type") ?? "none")", sourceLocation: sourceLocation)
        #expect(response.json["success"] as? Bool == false, "\(response.text)", sourceLocation: sourceLocation)
        if let code { #expect(response.json["code"] as? String == code, "\(response.text)", sourceLocation: sourceLocation) }
        #expect(!((response.json["error"] as? String) ?? "").isEmpty, "\(response.text)", sourceLocation: sourceLocation)
    }

    /// The emulator's log of server-API calls of one method (e.g. `StartRoomCompositeEgress`).
    static func calls(_ stack: LiveStack, _ method: String) async throws -> [[String: Any]] {
        let body = try await stack.emulator.control("GET", "calls").json
        return (body["calls"] as? [[String: Any]] ?? []).filter { $0["method"] as? String == method }
    }

    /// What the emulator knows of an egress (`info` in LiveKit's snake_case, `layouts` from UpdateLayout).
    static func emulatorEgress(_ stack: LiveStack, _ egressId: String) async throws -> [String: Any] {
        try await stack.emulator.control("GET", "egress/\(egressId)").json
    }

    static func epochMilliseconds(_ value: Any?) -> Int64? {
        (value as? String).flatMap { Int64($0) }
    }
}
