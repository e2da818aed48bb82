import Foundation
import RecordingModels
import Testing
import TestSupport

@testable import RecordingStore

@Suite struct PostgresRecordingStoreTests {
    @Test func anUnreachableServerIsUnavailableAndTheErrorHidesThePassword() async throws {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let store = try PostgresRecordingStore(url: "postgres://app:hunter2@127.0.0.1:1/recordings")
        await #expect {
            try await store.ping()
        } throws: { error in
            guard case RecordingStoreError.unavailable(let message) = error else { return false }
            return message.contains("127.0.0.1") && !message.contains("hunter2")
        }
    }

    @Test func aURLThatLibpqRefusesDoesNotLeakThePassword() throws {
        // libpq quotes the offending token, here the password itself: "invalid percent-encoded token".
        #expect {
            _ = try PostgresConnection(url: "postgres://app:hunter2%zz@127.0.0.1:1/recordings", redactedURL: "postgres://app:***@127.0.0.1:1/recordings")
        } throws: { error in
            let message = "\(error)"
            return message.contains("percent-encoded") && !message.contains("hunter2")
        }
        // The same with the password as a parameter.
        #expect {
            _ = try PostgresConnection(url: "postgres://app@127.0.0.1:1/recordings?password=hunter2%zz", redactedURL: "postgres://app@127.0.0.1:1/recordings?password=***")
        } throws: { error in
            let message = "\(error)"
            return message.contains("percent-encoded") && !message.contains("hunter2")
        }
    }

    /// Restarts a PostgreSQL of its own (not the shared one other tests use) under a live store.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"] != nil || requireIntegration))
    func storeReconnectsAfterTheServerRestarts() async throws {
        guard ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"] != nil else {
            throw MissingIntegrationVariable(name: "TEST_POSTGRES_URL")
        }
        let cluster = try PrivatePostgresCluster.start()
        defer { cluster.stop() }
        let store = try PostgresRecordingStore(url: cluster.url, poolSize: 2)
        try await store.migrate()
        try await store.insert(Fixture.recording(id: "rec-1", status: .active))
        // Prepared on the connections that the restart breaks: the new ones prepare afresh.
        #expect(try await store.recording(id: "rec-1")?.status == .active)

        try cluster.restart()

        // Every pooled connection is stale now; each call must recover on its own.
        try await store.ping()
        #expect(try await store.recording(id: "rec-1")?.status == .active)
        try await store.insert(Fixture.recording(id: "rec-2", room: "retro"))
        #expect(try await store.activeRecordings().count == 2)
    }

    /// An `egress_started` webhook inserting the egress (unknown to it) while the start that
    /// launched it attaches the egress id to its reservation, in the order that deadlocked a
    /// plain INSERT: the start's transaction has touched the reservation, the webhook's insert
    /// is waiting on the room, then the start writes the egress id. The insert must wait
    /// without holding the egress id, and answer "duplicate egress" once the start commits.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"] != nil || requireIntegration))
    func anInsertWaitingOnTheRoomDoesNotDeadlockTheStartAttachingItsEgress() async throws {
        try await withStore(.postgres) { store, database in
            try await store.insert(Fixture.recording(id: "reservation", room: "standup", status: .starting))
            let start = try PostgresConnection(url: database.url, redactedURL: "test")
            try start.executeScript("BEGIN")
            try start.execute("UPDATE recordings SET updated_at = updated_at + 1 WHERE id = $1", [.text("reservation")])

            let webhook = Task {
                try await store.insert(Fixture.recording(id: "unknown", egressId: "EG_1", room: "standup", status: .active))
            }
            // Long enough for the insert to reach the room's index and wait there.
            try await Task.sleep(for: .milliseconds(300))
            // A deadlock makes PostgreSQL fail one side after deadlock_timeout (1 s); either way it shows.
            try start.execute("UPDATE recordings SET egress_id = $1 WHERE id = $2", [.text("EG_1"), .text("reservation")])
            try start.executeScript("COMMIT")

            await #expect {
                try await webhook.value
            } throws: { error in
                guard case RecordingStoreError.duplicateEgress(let egressId) = error else { return false }
                return egressId == "EG_1"
            }
            #expect(try await store.recording(egressId: "EG_1")?.id == "reservation")
        }
    }

    /// libpq would send `EG_1\0x` as `EG_1`: refused before it is sent.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"] != nil || requireIntegration))
    func textWithANulIsRefusedNotCutShort() async throws {
        try await withStore(.postgres) { store, _ in
            try await store.insert(Fixture.recording(id: "rec-1", egressId: "EG_1", status: .complete))
            await #expect {
                _ = try await store.recording(egressId: "EG_1\u{0}x")
            } throws: { error in
                guard case RecordingStoreError.unavailable(let message) = error else { return false }
                return message.contains("NUL")
            }
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"] != nil || requireIntegration))
    func sessionsCarryTheServerSideLimitsAndGenericPlans() async throws {
        try await withStore(.postgres) { _, database in
            let connection = try PostgresConnection(url: database.url, redactedURL: "test")
            func setting(_ name: String) throws -> String? { try connection.query("SHOW \(name)", []) { try $0.text(0) }.first }
            #expect(try setting("statement_timeout") == "30s")
            #expect(try setting("lock_timeout") == "10s")
            #expect(try setting("idle_in_transaction_session_timeout") == "1min")
            #expect(try setting("plan_cache_mode") == "force_generic_plan")
        }
    }

    /// A write that waits on a lock another session holds gives up (503 upstream) instead of
    /// holding its pool slot and its request until the lock goes; the store is fine after.
    /// `?options=` in the URL replaces the defaults (here a lock timeout short enough for a test).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"] != nil || requireIntegration))
    func aWriteStuckBehindALockGivesUpAtTheLockTimeout() async throws {
        try await withStore(.postgres) { _, database in
            var components = try #require(URLComponents(string: database.url))
            components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "options", value: "-c lock_timeout=300")]
            let store = try PostgresRecordingStore(url: try #require(components.string), poolSize: 2)
            let holder = try PostgresConnection(url: database.url, redactedURL: "test")
            try holder.executeScript("BEGIN; LOCK TABLE recordings IN ACCESS EXCLUSIVE MODE")

            let started = ContinuousClock.now
            await #expect {
                try await store.insert(Fixture.recording(id: "behind-the-lock"))
            } throws: { error in
                guard case RecordingStoreError.unavailable(let message) = error else { return false }
                return message.contains("lock timeout")
            }
            #expect(ContinuousClock.now - started < .seconds(5))

            try holder.executeScript("ROLLBACK")
            try await store.insert(Fixture.recording(id: "after-the-lock"))
            #expect(try await store.recording(id: "after-the-lock") != nil)
        }
    }
}

private let requireIntegration = ProcessInfo.processInfo.environment["TEST_REQUIRE_INTEGRATION"] == "1"
