import Foundation
import Synchronization
import Testing
import TestSupport

@testable import RecordingStore

/// What the pool does when PostgreSQL ends a session: before work starts (the server closed
/// an idle connection) it is invisible; during work it fails that work, which never runs
/// twice. Sessions are ended with `pg_terminate_backend`, as a restart or an operator would.
@Suite(.enabled(if: TestEnvironment.canRun(needing: "TEST_POSTGRES_URL")))
struct PostgresConnectionLossTests {
    @Test func anIdleConnectionTheServerEndedIsReplacedBeforeTheWorkRuns() async throws {
        let database = try pool()
        let firstSession = try await database.withConnection { try Self.sessionID($0) }
        try await terminate(firstSession)

        let runs = Atomic<Int>(0)
        let secondSession = try await database.withConnection { connection in
            runs.add(1, ordering: .relaxed)
            return try Self.sessionID(connection)
        }
        #expect(secondSession != firstSession)
        // Once: the dead connection was noticed before the work started, not by failing it.
        #expect(runs.load(ordering: .relaxed) == 1)
    }

    @Test func workWhoseConnectionIsLostFailsAndIsNotRunAgain() async throws {
        let database = try pool()
        _ = try await database.withConnection { try Self.sessionID($0) }  // a pooled, reused connection

        let runs = Atomic<Int>(0)
        await #expect {
            try await database.withConnection { connection in
                runs.add(1, ordering: .relaxed)
                // The session ends mid-work: whatever it wrote may or may not have committed.
                try connection.execute("SELECT pg_terminate_backend(pg_backend_pid())", [])
            }
        } throws: { error in
            guard case DatabaseFailure.connectionLost = error else { return false }
            return true
        }
        #expect(runs.load(ordering: .relaxed) == 1)
        // The pool is fine afterwards.
        #expect(try await database.withConnection { try Self.sessionID($0) } > 0)
    }

    @Test func aReadWhoseConnectionIsLostIsTriedOnceMore() async throws {
        let database = try pool()
        // A sequence, because it is not rolled back with the session: the first try draws 1
        // and ends its own session, the second draws 2 and answers.
        let sequence = "connection_loss_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresConnection(url: try TestEnvironment.value("TEST_POSTGRES_URL"), redactedURL: "admin")
        try admin.executeScript("CREATE SEQUENCE \(sequence)")
        defer { try? admin.executeScript("DROP SEQUENCE \(sequence)") }

        let sql = "SELECT CASE WHEN nextval('\(sequence)') = 1 THEN pg_terminate_backend(pg_backend_pid()) ELSE true END"
        let answers = try await database.read(sql, []) { rows in try rows.map { try $0.bool(0) } }
        #expect(answers == [true])
        let drawn = try admin.query("SELECT last_value FROM \(sequence)", []) { try $0.integer(0) }[0]
        #expect(drawn == 2)
    }

    // MARK: Support

    private func pool() throws -> PostgresDatabase {
        PostgresDatabase(url: try TestEnvironment.value("TEST_POSTGRES_URL"), redactedURL: "test", poolSize: 1)
    }

    private static func sessionID(_ connection: any SQLConnection) throws -> Int64 {
        try connection.query("SELECT pg_backend_pid()", []) { try $0.integer(0) }[0]
    }

    /// Ends session `pid` from another connection and waits until it is gone.
    private func terminate(_ pid: Int64) async throws {
        let admin = try PostgresConnection(url: try TestEnvironment.value("TEST_POSTGRES_URL"), redactedURL: "admin")
        try admin.execute("SELECT pg_terminate_backend($1::integer)", [.integer(pid)])
        for _ in 0..<100 {
            let alive = try admin.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", [.integer(pid)]) { try $0.integer(0) }[0]
            if alive == 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("session \(pid) still alive after pg_terminate_backend")
    }
}
