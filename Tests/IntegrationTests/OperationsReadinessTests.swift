import Foundation
import Testing
import TestSupport

/// `/ready` follows the dependencies (503 naming the one that is down, 200 once it is
/// back) while `/health` (the process itself) stays 200 throughout.
@Suite("Operations: /ready and /health", .enabled(if: LiveStack.canRun))
struct OperationsReadinessTests {
    struct Readiness {
        let status: Int
        let failed: Set<String>
        let body: String
    }

    static func readiness(_ api: TestHTTPClient) async throws -> Readiness {
        let response = try await api.get("/ready")
        let checks = response.json["checks"] as? [String: [String: Any]] ?? [:]
        return Readiness(status: response.status, failed: Set(checks.filter { $0.value["ok"] as? Bool != true }.keys), body: response.text)
    }

    @Test func readyFollowsTheEmulatorAndThePrivateS3ServerWhileHealthStaysUp() async throws {
        let s3 = try await PrivateS3Server()
        defer { s3.stop() }
        let room = "ops-ready-\(UUID().uuidString.prefix(8))"
        let stack = try await LiveStack(rooms: [room: ["alice"]], environment: ["S3_ENDPOINT": s3.endpoint.absoluteString])
        try await withStack(stack) { stack in
            let api = stack.client(bearer: "")

            let initially = try await Self.readiness(api)
            #expect(initially.status == 200 && initially.failed.isEmpty, "\(initially.body)")

            await stack.emulator.terminate()
            let withoutLiveKit = try await Self.readiness(api)
            #expect(withoutLiveKit.status == 503 && withoutLiveKit.failed == ["livekit"], "\(withoutLiveKit.body)")
            #expect(try await api.get("/health").status == 200)

            let revived = try await EmulatorProcess(webhookURL: nil, rooms: [:], port: stack.emulator.port)
            #expect(try await eventually(within: 5) { try await Self.readiness(api).status == 200 })

            s3.stop()
            let withoutBucket = try await Self.readiness(api)
            #expect(withoutBucket.status == 503 && withoutBucket.failed == ["bucket"], "\(withoutBucket.body)")
            #expect(try await api.get("/health").status == 200)

            try await s3.start()
            #expect(try await eventually(within: 5) { try await Self.readiness(api).status == 200 })
            #expect(try await api.get("/health").status == 200)
            await revived.terminate()
        }
    }

    /// The server on PostgreSQL (migrated at start-up) reports the database when its cluster stops.
    @Test(.enabled(if: TestPostgres.canRun))
    func readyNamesTheDatabaseWhenPostgreSQLStops() async throws {
        let cluster = try PrivatePostgresCluster.start()
        defer { cluster.stop() }
        let database = try TestPostgres.createDatabase(adminURL: cluster.url)
        let room = "ops-ready-pg-\(UUID().uuidString.prefix(8))"
        let stack = try await LiveStack(rooms: [room: ["alice"]], environment: ["DATABASE_URL": database])
        try await withStack(stack) { stack in
            let api = stack.client()

            #expect(try await Self.readiness(api).status == 200)
            let started = try await api.post("/api/recording/start", object: ["roomName": room])
            #expect(started.status == 200, "\(started.text)")

            cluster.stop()
            let withoutDatabase = try await Self.readiness(api)
            #expect(withoutDatabase.status == 503 && withoutDatabase.failed == ["database"], "\(withoutDatabase.body)")
            #expect(try await api.get("/health").status == 200)
            let list = try await api.get("/api/recording/list")
            #expect(list.status == 503, "\(list.text)")
        }
    }
}
