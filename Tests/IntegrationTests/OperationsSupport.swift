import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A `/metrics` scrape, parsed by prometheus_client's own parser
/// (tools/crosscheck/metrics/parse_exposition.py): what a real Prometheus would read.
struct MetricsScrape {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double?
    }

    let families: [(name: String, type: String)]
    let samples: [Sample]

    static func of(_ client: TestHTTPClient) async throws -> MetricsScrape {
        let response = try await client.get("/metrics")
        try #require(response.status == 200, "\(response.text)")
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let parsed = try ProcessRunner.python("tools/crosscheck/metrics/parse_exposition.py", input: response.text)
        try #require(parsed.status == 0, "prometheus_client refused the exposition: \(parsed.stderr)\n\(response.text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Any])
        let families = json["families"] as? [[String: Any]] ?? []
        return MetricsScrape(
            families: families.map { ($0["name"] as? String ?? "", $0["type"] as? String ?? "") },
            samples: families.flatMap { family in
                (family["samples"] as? [[String: Any]] ?? []).map {
                    Sample(name: $0["name"] as? String ?? "", labels: $0["labels"] as? [String: String] ?? [:],
                           value: ($0["value"] as? NSNumber)?.doubleValue)
                }
            })
    }

    /// The sum over samples named `name` whose labels include `labels` (0 when none).
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + ($1.value ?? 0) }
    }

    func type(of family: String) -> String? { families.first { $0.name == family }?.type }

    var labelValues: [String] { samples.flatMap { $0.labels.values } }
}

/// Polls `condition` every 100 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

extension EmulatorProcess {
    /// The Twirp calls the emulator received (method names such as `StopEgress`).
    func calls() async throws -> [[String: Any]] {
        let body = try JSONSerialization.jsonObject(with: try await control("GET", "calls").body)
        return (body as? [String: Any])?["calls"] as? [[String: Any]] ?? body as? [[String: Any]] ?? []
    }

    func callCount(_ method: String) async throws -> Int {
        try await calls().filter { $0["method"] as? String == method }.count
    }
}

/// One HTTP/1.1 exchange over a plain socket, on a thread of its own: unlike URLSession it
/// reports exactly what the server did with the connection (answered, reset, refused).
enum RawHTTP {
    enum Outcome: Equatable, CustomStringConvertible {
        case answered(status: Int, complete: Bool)
        case refused
        case failed(String)

        var description: String {
            switch self {
            case .answered(let status, let complete): "answered \(status)\(complete ? "" : " (truncated)")"
            case .refused: "connection refused"
            case .failed(let why): "failed: \(why)"
            }
        }
    }

    /// Connects to 127.0.0.1:`port`, sends `request` (with `Connection: close`), reads to EOF.
    static func exchange(port: Int, request: String) async -> Outcome {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: blockingExchange(port: port, request: request)) }
        }
    }

    /// A bare connect: `.refused` when nobody listens any more.
    static func connect(port: Int) -> Outcome {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return open(fd, port) ?? .answered(status: 0, complete: false)
    }

    static func request(_ method: String, _ path: String, bearer: String, json: String? = nil) -> String {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Authorization: Bearer \(bearer)", "Connection: close"]
        if let json { lines += ["Content-Type: application/json", "Content-Length: \(json.utf8.count)"] }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + (json ?? "")
    }

    private static func open(_ fd: Int32, _ port: Int) -> Outcome? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected == 0 { return nil }
        return errno == ECONNREFUSED ? .refused : .failed("connect: errno \(errno)")
    }

    private static func blockingExchange(port: Int, request: String) -> Outcome {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        if let failure = open(fd, port) { return failure }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return .failed("send: errno \(errno)") }
            sent += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 else { return .failed("recv after \(received.count) bytes: errno \(errno)") }
            received += buffer[0..<count]
        }
        return parse(received)
    }

    /// The status, and whether the body is as long as Content-Length says.
    private static func parse(_ bytes: [UInt8]) -> Outcome {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return .failed("no complete head in \(bytes.count) bytes") }
        let head = text[..<headEnd.lowerBound].split(separator: "\r\n")
        guard let statusLine = head.first, statusLine.hasPrefix("HTTP/1.1 "),
              let status = Int(statusLine.dropFirst(9).prefix(3)) else { return .failed("bad status line") }
        let length = head.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first
        let bodyBytes = bytes.count - text[..<headEnd.upperBound].utf8.count
        return .answered(status: status, complete: length.map { $0 == bodyBytes } ?? true)
    }
}

/// A moto S3 server of a test's own, which the test may stop and start again on the
/// same port (the shared one stays up for everyone else). State is lost on stop.
final class PrivateS3Server: @unchecked Sendable {
    let port: Int
    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }
    private var process: Process?

    init() async throws {
        port = try ServiceProcess.freePort()
        try await start()
    }

    /// Starts moto and creates the bucket `livekit-recordings`.
    func start() async throws {
        let moto = URL(fileURLWithPath: try TestEnvironment.python()).deletingLastPathComponent().appendingPathComponent("moto_server")
        let process = Process()
        process.executableURL = moto
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let client = TestHTTPClient(baseURL: endpoint)
        // Any answer means it listens; moto starts slowly on a busy machine.
        let up = try await eventually(within: 40) { (try? await client.get("/moto-api/")) != nil }
        guard up else {
            stop()
            throw TestScriptFailed(description: "moto_server on port \(port) did not come up")
        }
        // moto accepts unsigned requests: a bare PUT creates the bucket.
        let created = try await client.send("PUT", "/livekit-recordings")
        try #require(created.status == 200, "creating the bucket: \(created.status) \(created.text)")
    }

    /// SIGKILL (moto's threaded server may linger on SIGTERM); its state is throwaway.
    /// Waits briefly for the port to be released, never in `waitUntilExit`.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
    }

    deinit { stop() }
}

/// Runs `body`, then stops the stack (and runs `cleanup`) whatever happened: a deferred
/// `Task { await stack.stop() }` may never run before the test process exits, leaking
/// emulators and services.
func withStack<T>(
    _ stack: LiveStack, cleanup: @escaping @Sendable () async -> Void = {}, _ body: (LiveStack) async throws -> T
) async throws -> T {
    do {
        let result = try await body(stack)
        await stack.stop()
        await cleanup()
        return result
    } catch {
        await stack.stop()
        await cleanup()
        throw error
    }
}
