import Foundation
import RecordingModels
import Testing

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
        let cluster = try PrivateCluster.start()
        defer { cluster.stop() }
        let store = try PostgresRecordingStore(url: cluster.url, poolSize: 2)
        try await store.migrate()
        try await store.insert(Fixture.recording(id: "rec-1", status: .active))

        try cluster.restart()

        // Every pooled connection is stale now; each call must recover on its own.
        try await store.ping()
        #expect(try await store.recording(id: "rec-1")?.status == .active)
        try await store.insert(Fixture.recording(id: "rec-2", room: "retro"))
        #expect(try await store.activeRecordings().count == 2)
    }
}

private let requireIntegration = ProcessInfo.processInfo.environment["TEST_REQUIRE_INTEGRATION"] == "1"

/// A throwaway cluster from scripts/stack/postgres.sh with its own state directory.
private struct PrivateCluster {
    var stackDirectory: URL
    var url: String

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/stack/postgres.sh")

    static func start() throws -> PrivateCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-pg-\(UUID().uuidString)")
        let output = try run(directory, "start")
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("TEST_POSTGRES_URL=") })
        return PrivateCluster(stackDirectory: directory, url: String(line.dropFirst("TEST_POSTGRES_URL=".count)))
    }

    func restart() throws { _ = try Self.run(stackDirectory, "restart") }

    func stop() {
        _ = try? Self.run(stackDirectory, "stop")
        try? FileManager.default.removeItem(at: stackDirectory)
    }

    /// posix_spawn and waitpid rather than Foundation's `Process`, whose `waitUntilExit`
    /// missed this script's exit under the test runner (the child stayed a zombie).
    private static func run(_ stackDirectory: URL, _ command: String) throws -> String {
        let output = stackDirectory.appendingPathExtension("out")
        defer { try? FileManager.default.removeItem(at: output) }
        let shell = "exec \"$0\" \"$1\" >\"$2\""
        let arguments = ["/bin/bash", "-c", shell, script.path, command, output.path]
        var environment = ProcessInfo.processInfo.environment
        environment["STACK_DIR"] = stackDirectory.path
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", nil, nil, argv, envp) == 0 else {
            throw ScriptFailed(description: "cannot run postgres.sh \(command)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw ScriptFailed(description: "postgres.sh \(command) exited with status \(status)") }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }
}

private struct ScriptFailed: Error, CustomStringConvertible {
    var description: String
}
