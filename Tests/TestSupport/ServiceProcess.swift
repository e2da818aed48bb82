import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A `recording-api` process started by a test, on a free loopback port, with the
/// environment the test gives it. Its output goes to a file the test can read
/// (e.g. to prove no secret was ever logged).
public final class ServiceProcess: @unchecked Sendable {
    public let port: Int
    public let baseURL: URL
    public let logFile: URL
    public let environment: [String: String]
    private let process = Process()

    /// The debug build of the server, as `swift build` leaves it.
    public static var executable: URL {
        if let path = TestEnvironment.variables["TEST_RECORDING_API_BIN"] { return URL(fileURLWithPath: path) }
        return TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/recording-api")
    }

    /// Starts the server and waits until `/health` answers (or throws after `timeout`,
    /// generous because dozens of e2e stacks may boot at once on a 2-core machine).
    public init(environment overrides: [String: String], port: Int? = nil, timeout: TimeInterval = 90) async throws {
        self.port = try port ?? Self.freePort()
        baseURL = URL(string: "http://127.0.0.1:\(self.port)")!
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("recording-api-\(self.port)-\(UUID().uuidString).log")
        var environment = ["HOST": "127.0.0.1", "PORT": String(self.port), "LOG_FORMAT": "json", "LOG_LEVEL": "debug",
                           "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        environment.merge(overrides) { _, new in new }
        self.environment = environment
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: logFile)
        process.executableURL = Self.executable
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try await waitUntilHealthy(timeout: timeout)
    }

    public var isRunning: Bool { process.isRunning }

    /// The server's pid, e.g. to read its memory from `/proc/<pid>/status`.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// What the process has written so far.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// What the process has written once the lines it logged so far are out: the service
    /// buffers log lines and writes each within 100 ms (`StandardOutputLogSink`).
    public func settledLog() async -> String {
        try? await Task.sleep(for: .milliseconds(300))
        return log
    }

    /// SIGTERM, then waits for exit; returns the exit status.
    @discardableResult
    public func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        for _ in 0..<300 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL: a crash, no chance to clean up.
    public func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private func waitUntilHealthy(timeout: TimeInterval) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        let client = TestHTTPClient(baseURL: baseURL)
        while Date() < deadline {
            guard process.isRunning else { throw ServiceProcessError.exited(status: process.terminationStatus, log: log) }
            if let response = try? await client.get("/health"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServiceProcessError.notHealthy(log: log)
    }

    /// A loopback port for a process a test is about to start.
    ///
    /// Ports come from below the kernel's ephemeral range (32768+ on Linux), where no
    /// outgoing connection can take them meanwhile, and each is handed out once per
    /// test process, so suites starting stacks in parallel never get the same one
    /// (asking the kernel for port 0 and closing it raced exactly that way).
    public static func freePort() throws -> Int {
        for _ in 0..<2000 {
            let port = nextCandidatePort.withLock { next in
                defer { next = next >= 32000 ? 20000 : next + 1 }
                return next
            }
            if canBind(port) { return port }
        }
        throw ServiceProcessError.noPort
    }

    /// Spread by pid so two test processes on one machine start far apart.
    private static let nextCandidatePort = Mutex(20000 + Int(getpid() % 600) * 20)

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

public enum ServiceProcessError: Error, CustomStringConvertible {
    case exited(status: Int32, log: String)
    case notHealthy(log: String)
    case noPort

    public var description: String {
        switch self {
        case .exited(let status, let log): "recording-api exited with \(status) before answering /health:\n\(log)"
        case .notHealthy(let log): "recording-api did not answer /health in time:\n\(log)"
        case .noPort: "no free loopback port"
        }
    }
}
