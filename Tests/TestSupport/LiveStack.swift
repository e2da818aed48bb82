import Foundation
import S3
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A LiveKit emulator of a test's own: its own port, rooms and webhook target, so
/// suites running in parallel cannot disturb each other's egresses or webhooks.
/// Uploads go to the shared S3 server (`TEST_S3_ENDPOINT`) under unique keys.
public final class EmulatorProcess: @unchecked Sendable {
    public static let apiKey = "devkey"
    public static let apiSecret = "dev-secret-for-the-local-stack-only-0123456789"

    public let port: Int
    public let url: URL
    public let controlURL: URL
    private let process = Process()
    public let logFile: URL

    /// - Parameter rooms: room name → participant identities present from the start.
    /// - Parameter port: a fixed port (e.g. to bring a stopped emulator back where the service expects it).
    public init(webhookURL: URL?, rooms: [String: [String]], extraArguments: [String] = [], port: Int? = nil) async throws {
        self.port = try port ?? ServiceProcess.freePort()
        url = URL(string: "http://127.0.0.1:\(self.port)")!
        controlURL = url.appendingPathComponent("_emulator")
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-\(self.port)-\(UUID().uuidString).log")
        var arguments = [
            TestEnvironment.repositoryRoot.appendingPathComponent("tools/livekit-emulator/emulator.py").path,
            "--host", "127.0.0.1", "--port", String(self.port), "--api-key", Self.apiKey, "--api-secret", Self.apiSecret,
            "--start-delay", "0.3", "--end-delay", "0.3",
        ]
        if let webhookURL { arguments += ["--webhook-url", webhookURL.absoluteString] }
        for (room, participants) in rooms.sorted(by: { $0.key < $1.key }) {
            arguments += ["--room", room]
            for identity in participants { arguments += ["--participant", "\(room)=\(identity)"] }
        }
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: logFile)
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.python())
        process.arguments = arguments + extraArguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try await waitUntilUp()
    }

    /// Calls the control API (`/_emulator/<path>`) with a JSON body; returns the JSON answer.
    @discardableResult
    public func control(_ method: String = "POST", _ path: String, _ body: [String: Any] = [:]) async throws -> TestHTTPClient.Response {
        let client = TestHTTPClient(baseURL: controlURL)
        let data = method == "GET" || method == "DELETE" ? nil : try JSONSerialization.data(withJSONObject: body)
        let response = try await client.send(method, "/" + path, body: data, headers: ["Content-Type": "application/json"])
        guard (200..<300).contains(response.status) else {
            throw EmulatorControlError(path: path, status: response.status, body: response.text)
        }
        return response
    }

    /// Requests the emulator refused because LiveKit's schema does not know a field.
    public func rejections() async throws -> [[String: Any]] {
        let body = try JSONSerialization.jsonObject(with: try await control("GET", "rejections").body)
        return (body as? [String: Any])?["rejections"] as? [[String: Any]] ?? body as? [[String: Any]] ?? []
    }

    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// SIGKILL, not SIGTERM: a child started from a Swift Concurrency thread inherits that
    /// thread's blocked signals (SIGTERM among them, see `SigBlk` in /proc/PID/status), and
    /// aiohttp's graceful exit would wait up to 60 s for keep-alive connections anyway; a
    /// test blocked here starves the others on a 2-core pool. Its state is throwaway.
    public func stop() {
        kill9()
    }

    /// SIGKILL: LiveKit crashing.
    public func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then waits without blocking a thread (async tests must not park the
    /// cooperative pool in `waitUntilExit`, which starved the whole test process on two
    /// cores); SIGKILL after `seconds`. A child spawned from a test's worker thread may
    /// inherit a signal mask that blocks SIGTERM (seen: an emulator ignoring it for good),
    /// so SIGKILL goes to the pid as long as it exists, whatever `isRunning` says.
    public func terminate(within seconds: Double = 2) async {
        let pid = process.processIdentifier
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if pid > 0, isStillThisEmulator(pid) { kill(pid, SIGKILL) }
    }

    /// The pid still runs this emulator (not a process that reused the number).
    private func isStillThisEmulator(_ pid: Int32) -> Bool {
        guard let commandLine = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return false }
        let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains { $0.hasSuffix("emulator.py") } && arguments.contains(String(port))
    }

    deinit { stop() }

    /// Generous: when every e2e suite boots its stack at once on 2 cores, Python's start-up alone can take many seconds.
    private func waitUntilUp() async throws {
        let client = TestHTTPClient(baseURL: controlURL)
        for _ in 0..<1200 {
            guard process.isRunning else { throw EmulatorControlError(path: "start", status: -1, body: log) }
            if let response = try? await client.get("/health"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EmulatorControlError(path: "start", status: -1, body: "the emulator did not answer in time:\n\(log)")
    }
}

public struct EmulatorControlError: Error, CustomStringConvertible {
    public let path: String
    public let status: Int
    public let body: String
    public var description: String { "emulator control \(path) answered \(status): \(body)" }
}

/// The service wired to its own emulator and the shared S3 server, as in production
/// but on loopback: what end-to-end tests drive.
public final class LiveStack: @unchecked Sendable {
    public static let operatorKey = "e2e-operator-key-0123456789abcdef"
    public let emulator: EmulatorProcess
    public private(set) var service: ServiceProcess
    /// More `recording-api` processes on the same settings (database, emulator, bucket), started
    /// together with `service`: replicas. Webhooks go to `service` only.
    public let replicas: [ServiceProcess]
    public let databaseFile: URL
    public let s3Endpoint: URL
    private let baseEnvironment: [String: String]

    public static var canRun: Bool { TestEnvironment.canRun(needing: "TEST_S3_ENDPOINT", "TEST_PYTHON") }

    /// - Parameters:
    ///   - rooms: rooms the emulator has from the start, with their participants.
    ///   - environment: extra variables for `recording-api` (override the defaults here).
    ///   - replicas: how many more service processes to start at the same time (they share the
    ///     database only when `DATABASE_URL` names a server, i.e. PostgreSQL).
    public init(rooms: [String: [String]], environment: [String: String] = [:], emulatorArguments: [String] = [], replicas: Int = 0) async throws {
        s3Endpoint = try TestEnvironment.url("TEST_S3_ENDPOINT")
        let port = try ServiceProcess.freePort()
        emulator = try await EmulatorProcess(
            webhookURL: URL(string: "http://127.0.0.1:\(port)/webhooks/livekit"), rooms: rooms, extraArguments: emulatorArguments)
        databaseFile = FileManager.default.temporaryDirectory.appendingPathComponent("recordings-\(UUID().uuidString).db")
        var settings = [
            "LIVEKIT_URL": emulator.url.absoluteString, "LIVEKIT_API_KEY": EmulatorProcess.apiKey,
            "LIVEKIT_API_SECRET": EmulatorProcess.apiSecret, "S3_ENDPOINT": s3Endpoint.absoluteString,
            "S3_ACCESS_KEY": "dev-access-key", "S3_SECRET_KEY": "dev-secret-key", "S3_BUCKET": "livekit-recordings",
            "DATABASE_URL": "sqlite://\(databaseFile.path)", "RECORDING_API_KEYS": "e2e:\(Self.operatorKey)",
            "RECORDING_RECONCILE_SECONDS": "2", "RECORDING_STOP_WAIT_SECONDS": "5",
        ]
        settings.merge(environment) { _, new in new }
        baseEnvironment = settings
        let shared = settings
        // Started at once, so that replicas also race through start-up (e.g. database migrations).
        async let first = ServiceProcess(environment: shared, port: port)
        async let others = Self.startServices(replicas, environment: shared)
        service = try await first
        self.replicas = try await others
    }

    private static func startServices(_ count: Int, environment: [String: String]) async throws -> [ServiceProcess] {
        try await withThrowingTaskGroup(of: ServiceProcess.self) { group in
            for _ in 0..<count { group.addTask { try await ServiceProcess(environment: environment) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// The bucket the service and the emulator use, read directly (not through the API).
    public var bucket: S3Client {
        S3Client(configuration: S3Configuration(
            endpoint: s3Endpoint, bucket: "livekit-recordings", accessKey: "dev-access-key", secretKey: "dev-secret-key"))
    }

    /// A client with the operator key (or `bearer`, or none with `bearer: ""`).
    public func client(bearer: String? = nil) -> TestHTTPClient {
        let token = bearer ?? Self.operatorKey
        return TestHTTPClient(baseURL: service.baseURL, bearer: token.isEmpty ? nil : token)
    }

    /// Stops the service (SIGTERM, or SIGKILL when `crash`) and starts it again on the same port and database.
    public func restartService(crash: Bool = false) async throws {
        if crash { service.kill9() } else { await service.stop() }
        service = try await ServiceProcess(environment: baseEnvironment, port: service.port)
    }

    public func stop() async {
        for replica in replicas { await replica.stop() }
        await service.stop()
        await emulator.terminate()
        try? FileManager.default.removeItem(at: databaseFile)
    }
}
