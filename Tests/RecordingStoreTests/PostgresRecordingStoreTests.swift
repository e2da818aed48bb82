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
}

private let requireIntegration = ProcessInfo.processInfo.environment["TEST_REQUIRE_INTEGRATION"] == "1"
