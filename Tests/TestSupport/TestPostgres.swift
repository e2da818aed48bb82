import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// PostgreSQL for end-to-end tests: a fresh database per test on the shared server
/// (`TEST_POSTGRES_URL`, an admin URL from scripts/stack/postgres.sh), or a private
/// cluster a test may stop and start without disturbing anyone else.
public enum TestPostgres {
    public static var canRun: Bool { TestEnvironment.canRun(needing: "TEST_POSTGRES_URL", "TEST_S3_ENDPOINT", "TEST_PYTHON") }

    /// Creates `t_<random>` on the server behind `adminURL` (default `TEST_POSTGRES_URL`); returns its URL.
    public static func createDatabase(adminURL: String? = nil) throws -> String {
        let admin = try adminURL ?? TestEnvironment.value("TEST_POSTGRES_URL")
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        // The name is ours (hex digits): identifiers cannot be bound as parameters.
        let result = try ProcessRunner.run(psql, [admin, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(name)"])
        guard result.status == 0 else { throw TestScriptFailed(description: "CREATE DATABASE failed: \(result.stderr)") }
        guard var components = URLComponents(string: admin) else { throw TestScriptFailed(description: "bad admin URL") }
        components.path = "/\(name)"
        return components.string ?? admin
    }

    /// Drops a database `createDatabase` made (connections included).
    public static func dropDatabase(_ url: String) {
        guard var components = URLComponents(string: url) else { return }
        let name = String(components.path.dropFirst())
        guard name.hasPrefix("t_") else { return }
        components.path = "/postgres"
        _ = try? ProcessRunner.run(psql, [components.string ?? url, "-qc", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }

    static var psql: String {
        ["/usr/bin/psql", "/usr/lib/postgresql/15/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/psql"
    }
}

/// A throwaway cluster of a test's own (scripts/stack/postgres.sh with its own STACK_DIR),
/// for tests that stop PostgreSQL: the shared server must keep running for everyone else.
public struct PrivatePostgresCluster: Sendable {
    public let stackDirectory: URL
    /// The admin URL (`postgres` database).
    public let url: String

    static var script: URL { TestEnvironment.repositoryRoot.appendingPathComponent("scripts/stack/postgres.sh") }

    public static func start() throws -> PrivatePostgresCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("test-pg-\(UUID().uuidString)")
        let output = try run(directory, "start")
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("TEST_POSTGRES_URL=") }) else {
            throw TestScriptFailed(description: "postgres.sh start printed no URL: \(output)")
        }
        return PrivatePostgresCluster(stackDirectory: directory, url: String(line.dropFirst("TEST_POSTGRES_URL=".count)))
    }

    /// Stops and starts the server on the same port and data: clients see their connections break.
    public func restart() throws { _ = try Self.run(stackDirectory, "restart") }

    /// The cluster stops (immediate mode) and its data is removed.
    public func stop() {
        _ = try? Self.run(stackDirectory, "stop")
        try? FileManager.default.removeItem(at: stackDirectory)
    }

    /// posix_spawn and waitpid rather than Foundation's `Process`: `pg_ctl` leaves a daemon
    /// behind, and `Process.waitUntilExit` was seen to miss the script's exit under the test runner.
    static func run(_ stackDirectory: URL, _ command: String) throws -> String {
        let output = stackDirectory.appendingPathExtension("out")
        defer { try? FileManager.default.removeItem(at: output) }
        let arguments = ["/bin/bash", "-c", "exec \"$0\" \"$1\" >\"$2\"", script.path, command, output.path]
        var environment = ProcessInfo.processInfo.environment
        environment["STACK_DIR"] = stackDirectory.path
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", nil, nil, argv, envp) == 0 else {
            throw TestScriptFailed(description: "cannot run postgres.sh \(command)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw TestScriptFailed(description: "postgres.sh \(command) exited with status \(status)") }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }
}

public struct TestScriptFailed: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
