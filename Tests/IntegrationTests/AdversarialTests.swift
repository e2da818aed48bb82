import Foundation
import Testing
import TestSupport

/// A hostile client and a bad night in production: the service answers bad input with a
/// JSON 4xx, keeps serving, and says "unavailable" rather than pretending when a part of
/// it is gone. Heavier one-off probes (slowloris, garbage upstreams, crash mid-start) are
/// scripts in tools/adversary, run by hand.
@Suite("Adversarial: hostile clients and failing dependencies", .serialized, .enabled(if: LiveStack.canRun))
struct AdversarialTests {
    static let secrets = [EmulatorProcess.apiSecret, "dev-secret-key", LiveStack.operatorKey]

    static func expectNoSecrets(in log: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets {
            #expect(!log.contains(secret), "a secret was written to the log", sourceLocation: sourceLocation)
        }
    }

    /// Runs a probe script with its output in a file, waiting without blocking a pool thread.
    /// (ProcessRunner's pipes can be inherited by a process another test spawns at the same
    /// moment; `readDataToEndOfFile` then never returns and starves the cooperative pool.)
    static func probe(_ script: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("adversary-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let output = try FileHandle(forWritingTo: outputFile)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.python())
        process.arguments = [TestEnvironment.repositoryRoot.appendingPathComponent(script).path] + arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
    }

    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }

    /// Malformed request lines, 100 KiB and 10k headers, lying Content-Length, garbage
    /// chunks, pipelining, percent-encoding bombs, 8 KiB ids, 10k query parameters,
    /// clients vanishing mid-request and mid-reply, 500 idle connections: after each,
    /// the process lives, /health answers and no answer is a 5xx (tools/adversary/http_attacks.py).
    @Test func rawHTTPAbuseNeverCrashesHangsOr500s() async throws {
        let stack = try await LiveStack(rooms: ["!adv:example.org": ["alice"]])
        defer { Task { await stack.stop() } }
        let pid = stack.service.processIdentifier
        let before = try #require(Self.residentKiB(pid))

        let result = try await Self.probe(
            "tools/adversary/http_attacks.py", ["127.0.0.1", String(stack.service.port), String(pid), "--key", LiveStack.operatorKey])

        #expect(result.status == 0, "\(result.output)")
        #expect(stack.service.isRunning)
        #expect(try await stack.client().get("/health").status == 200)
        let after = try #require(Self.residentKiB(pid))
        #expect(after < before + 64 * 1024, "VmRSS grew from \(before) KiB to \(after) KiB")
        Self.expectNoSecrets(in: stack.service.log)
    }

    /// Out of file descriptors (a connection flood, a low `ulimit -n`): libevent 2.1.12 keeps
    /// retrying accept() and, without an error callback, prints a warning per try (about
    /// 230,000 lines a second, ~150% CPU). The service must pause accepting, say so once in
    /// a while in its own log, and serve again once connections close.
    @Test func runningOutOfFileDescriptorsPausesAcceptInsteadOfSpinning() async throws {
        let stack = try await LiveStack(rooms: [:])
        defer { Task { await stack.stop() } }
        let pid = stack.service.processIdentifier
        let limited = try ProcessRunner.run("/usr/bin/prlimit", ["--pid", String(pid), "--nofile=64:64"])
        try #require(limited.status == 0, "\(limited.stderr)")

        var flood: [Int32] = []
        defer { flood.forEach { close($0) } }
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(stack.service.port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected == 0 { flood.append(fd) } else { close(fd) }
        }
        try await Task.sleep(for: .seconds(1))
        flood.forEach { close($0) }
        flood = []
        try await Task.sleep(for: .milliseconds(300))

        #expect(try await stack.client().get("/health").status == 200)
        #expect(stack.service.isRunning)
        let log = await stack.service.settledLog()
        #expect(!log.contains("Error from accept() call"), "libevent's accept warning flooded the log")
        #expect(log.contains("pausing accept"))
    }

    /// Bodies a JSON parser chokes on: every answer is a JSON 4xx (tools/adversary/json_attacks.py).
    @Test func hostileJSONBodiesGetJSON4xx() async throws {
        let stack = try await LiveStack(rooms: ["!adv:example.org": ["alice"]])
        defer { Task { await stack.stop() } }

        let result = try await Self.probe(
            "tools/adversary/json_attacks.py", [stack.service.baseURL.absoluteString, LiveStack.operatorKey, "!adv:example.org"])

        #expect(result.status == 0, "\(result.output)")
        #expect(stack.service.isRunning)
        Self.expectNoSecrets(in: stack.service.log)
    }

    /// The SQLite file removed under a running server (an `rm`, a restore, a remount): the
    /// API must say so (503 database_unavailable, /ready failing) rather than answer 200
    /// into an unlinked file whose contents vanish at the next restart.
    @Test func aDeletedDatabaseFileIsReportedNotWrittenIntoTheVoid() async throws {
        let room = "!gone-db:example.org"
        let stack = try await LiveStack(rooms: [room: ["alice"]])
        defer { Task { await stack.stop() } }
        let api = stack.client()
        #expect(try await api.get("/api/recording/list").status == 200)

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: stack.databaseFile.path + suffix) }

        let started = try await api.post("/api/recording/start", object: ["roomName": room])
        #expect(started.status == 503, "\(started.text)")
        #expect(started.json["code"] as? String == "database_unavailable")
        let listed = try await api.get("/api/recording/list")
        #expect(listed.status == 503)
        #expect(listed.json["code"] as? String == "database_unavailable")
        let ready = try await api.get("/ready")
        #expect(ready.status == 503, "\(ready.text)")
        #expect(try await api.get("/health").status == 200, "liveness stays up: a restart is the operator's call")
        #expect(stack.service.isRunning)
        // The refused start did not leave an egress running in LiveKit.
        let state = try JSONSerialization.jsonObject(with: try await stack.emulator.control("GET", "state").body) as? [String: Any]
        #expect((state?["egresses"] as? [Any])?.isEmpty == true, "\(state ?? [:])")
        Self.expectNoSecrets(in: stack.service.log)
    }

    /// LiveKit dies while a stop waits for the egress to end: the stop still answers
    /// (its last known state, or a JSON 5xx for the dependency), never hangs, and the
    /// server keeps serving.
    @Test func liveKitKilledWhileAStopWaits() async throws {
        let room = "!stop-kill:example.org"
        let stack = try await LiveStack(rooms: [room: ["alice"]])
        defer { Task { await stack.stop() } }
        let api = stack.client()
        let started = try await api.post("/api/recording/start", object: ["roomName": room])
        let egressId = try #require(started.json["egressId"] as? String, "\(started.text)")
        for _ in 0..<50 {
            let status = try await api.get("/api/recording/status/\(egressId)")
            if (status.json["egress"] as? [String: Any])?["status"] as? String == "EGRESS_ACTIVE" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Egress takes its time to finish the file: the stop has to wait.
        try await stack.emulator.control("POST", "config", ["end_delay": 30])

        let stop = Task { try await api.post("/api/recording/stop", object: ["egressId": egressId]) }
        try await Task.sleep(for: .milliseconds(700))
        stack.emulator.kill9()
        let answer = try await stop.value

        #expect([200, 502, 503].contains(answer.status), "\(answer.text)")
        if answer.status == 200 {
            #expect(answer.json["status"] as? String == "EGRESS_ENDING", "\(answer.text)")
            #expect(answer.json["endedAt"] is NSNull)
        } else {
            #expect(answer.json["success"] as? Bool == false)
        }
        let status = try await api.get("/api/recording/status/\(egressId)")
        #expect(status.status == 200, "the stored recording still answers without LiveKit: \(status.text)")
        #expect(try await api.get("/health").status == 200)
        #expect(try await api.get("/ready").status == 503)
        #expect(stack.service.isRunning)
        Self.expectNoSecrets(in: stack.service.log)
    }
}
