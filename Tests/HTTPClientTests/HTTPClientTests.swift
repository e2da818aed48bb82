import Foundation
import HTTPServer
import Logging
import Synchronization
import Testing
@testable import HTTPClient

/// The client against the repo's own server on loopback: real sockets, real evhttp on both sides.
@Suite struct HTTPClientTests {
    @Test func postsTheBodyAndHeadersAndReadsTheAnswer() async throws {
        try await withServer { port in
            let client = HTTPClient(host: "127.0.0.1", port: port)
            let answer = try await client.execute(HTTPClientRequest(
                method: .post, path: "/inspect?x=1", headers: [(name: "X-Probe", value: "p1")], body: Data(#"{"a":1}"#.utf8)))
            #expect(answer.status == 200)
            let seen = try JSONDecoder().decode(Inspected.self, from: answer.body)
            #expect(seen == Inspected(method: "POST", path: "/inspect", host: "127.0.0.1:\(port)", probe: "p1", body: #"{"a":1}"#))
        }
    }

    @Test func anErrorStatusIsAnAnswerNotAFailure() async throws {
        try await withServer { port in
            let answer = try await HTTPClient(host: "127.0.0.1", port: port).execute(HTTPClientRequest(path: "/missing"))
            #expect(answer.status == 404)
            #expect(!answer.body.isEmpty)
        }
    }

    @Test func sequentialRequestsReuseOneKeepAliveConnection() async throws {
        try await withServer { port in
            let client = HTTPClient(host: "127.0.0.1", port: port)
            for _ in 0..<5 {
                let answer = try await client.execute(HTTPClientRequest(path: "/health"))
                #expect(answer.status == 200)
            }
            #expect(await client.openConnections() == 1)
        }
    }

    @Test func concurrentRequestsBeyondThePoolWaitForAConnection() async throws {
        let gauge = Gauge()
        try await withServer(gauge: gauge) { port in
            let client = HTTPClient(host: "127.0.0.1", port: port, configuration: .init(maximumConnections: 2))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 { group.addTask { try await client.execute(HTTPClientRequest(path: "/slow?ms=200")).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 6))
            #expect(gauge.highest <= 2)
            #expect(await client.openConnections() <= 2)
        }
    }

    @Test func aConnectionTheServerClosedIsReopened() async throws {
        try await withServer(idleTimeout: .milliseconds(100)) { port in
            let client = HTTPClient(host: "127.0.0.1", port: port)
            #expect(try await client.execute(HTTPClientRequest(path: "/health")).status == 200)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await client.execute(HTTPClientRequest(path: "/health")).status == 200)
        }
    }

    @Test func nothingListeningIsConnectionRefused() async throws {
        let port = try await withServer { port in port }
        let error = await failure { try await HTTPClient(host: "127.0.0.1", port: port).execute(HTTPClientRequest(path: "/health")) }
        #expect(error?.code == .connectionRefused)
    }

    @Test func anUnknownHostIsHostNotFound() async throws {
        let error = await failure { try await HTTPClient(host: "no-such-host.invalid", port: 80).execute(HTTPClientRequest(path: "/")) }
        #expect(error?.code == .hostNotFound)
    }

    @Test func aHostNameFromTheHostsFileResolves() async throws {
        try await withServer { port in
            let answer = try await HTTPClient(host: "localhost", port: port).execute(HTTPClientRequest(path: "/health"))
            #expect(answer.status == 200)
        }
    }

    /// A DNS server that never answers holds up only the call that needs it: the name is
    /// looked up without blocking the loop that every client shares. (The system's
    /// getaddrinfo on the loop thread froze the other call, and the deadline's timer, for
    /// the resolver's whole timeout.) No clock: the other call must simply finish while the
    /// stuck one is still waiting.
    @Test func aSilentNameServerDelaysOnlyTheCallThatNeedsIt() async throws {
        let nameserver = try SilentUDPSocket()
        let loop = ClientEventLoop(nameservers: ["127.0.0.1:\(nameserver.port)"])
        try await withServer { port in
            let stuck = HTTPClient(
                host: "livekit.example.test", port: 7880, configuration: .init(requestTimeout: .seconds(60)), loop: loop)
            let stuckEnded = Atomic<Bool>(false)
            let pending = Task {
                defer { stuckEnded.store(true, ordering: .releasing) }
                return await failure { try await stuck.execute(HTTPClientRequest(path: "/")) }
            }
            for _ in 0..<500 where !nameserver.hasReceivedAQuery { try await Task.sleep(for: .milliseconds(10)) }
            #expect(nameserver.hasReceivedAQuery, "the name was not asked of the nameserver given")

            let local = HTTPClient(host: "127.0.0.1", port: port, configuration: .init(), loop: loop)
            #expect(try await local.execute(HTTPClientRequest(path: "/health")).status == 200)
            let stuckEndedFirst = stuckEnded.load(ordering: .acquiring)
            #expect(!stuckEndedFirst, "the call to the unresolved name ended before the other one")

            pending.cancel()
            #expect(await pending.value?.code == .cancelled)
        }
    }

    @Test func aSilenceLongerThanTheConnectTimeoutTimesOut() async throws {
        try await withServer { port in
            let client = HTTPClient(host: "127.0.0.1", port: port, configuration: .init(connectTimeout: .milliseconds(200)))
            let error = await failure { try await client.execute(HTTPClientRequest(path: "/slow?ms=2000")) }
            #expect(error?.code == .timedOut)
        }
    }

    @Test func theRequestTimeoutBoundsTheWholeCallAndTheClientStaysUsable() async throws {
        try await withServer { port in
            let client = HTTPClient(
                host: "127.0.0.1", port: port, configuration: .init(connectTimeout: .seconds(30), requestTimeout: .milliseconds(200)))
            let error = await failure { try await client.execute(HTTPClientRequest(path: "/slow?ms=20000")) }
            #expect(error?.code == .timedOut)
            // The whole-request deadline, not the (much longer) silence timeout.
            #expect(error?.detail.contains("no whole answer") == true)
            let next = try await client.execute(HTTPClientRequest(path: "/health"))
            #expect(next.status == 200)
        }
    }

    @Test func cancellingTheTaskCancelsTheRequest() async throws {
        try await withServer { port in
            let client = HTTPClient(host: "127.0.0.1", port: port)
            let call = Task { try await client.execute(HTTPClientRequest(path: "/slow?ms=3000")) }
            try await Task.sleep(for: .milliseconds(100))
            call.cancel()
            let error = await failure { try await call.value }
            #expect(error?.code == .cancelled)
        }
    }

    @Test func aBracketedIPv6HostIsAccepted() {
        let client = HTTPClient(host: "[::1]", port: 7880)
        #expect(client.host == "::1")
    }
}

// MARK: - Support

struct Inspected: Codable, Equatable {
    var method: String
    var path: String
    var host: String?
    var probe: String?
    var body: String
}

/// The most requests a handler saw at once.
final class Gauge: Sendable {
    private let state = Mutex((now: 0, highest: 0))
    func enter() { state.withLock { $0.now += 1; $0.highest = max($0.highest, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var highest: Int { state.withLock { $0.highest } }
}

func failure(_ body: () async throws -> Any) async -> HTTPClientError? {
    do {
        _ = try await body()
        return nil
    } catch let error as HTTPClientError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// A UDP socket on a kernel-chosen loopback port that reads nothing and answers nothing.
final class SilentUDPSocket: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, bound else {
            if descriptor >= 0 { close(descriptor) }
            throw POSIXError(.EADDRNOTAVAIL)
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }

    /// Whether a datagram (a query) is waiting in the socket; nothing is read.
    var hasReceivedAQuery: Bool {
        var waiting: Int32 = 0
        return ioctl(descriptor, UInt(FIONREAD), &waiting) == 0 && waiting > 0
    }
}

/// A server on a kernel-chosen loopback port for the length of `body`.
func withServer<T>(
    gauge: Gauge = Gauge(), idleTimeout: Duration = .seconds(30), _ body: (Int) async throws -> T
) async throws -> T {
    var router = Router()
    router.on("GET", "/health") { _ in Response(headers: ["Content-Type": "application/json"], body: .bytes(Array(#"{"status":"ok"}"#.utf8))) }
    router.on("GET", "/slow") { request in
        gauge.enter()
        defer { gauge.leave() }
        try await Task.sleep(for: .milliseconds(Int(request.query["ms"] ?? "100") ?? 100))
        return Response(body: .bytes(Array("done".utf8)))
    }
    router.on("POST", "/inspect") { request in
        let seen = Inspected(
            method: request.method, path: request.path, host: request.headers["Host"], probe: request.headers["X-Probe"],
            body: String(decoding: request.body, as: UTF8.self))
        return Response(body: .bytes(Array(try JSONEncoder().encode(seen))))
    }
    let configuration = HTTPServerConfiguration(
        host: "127.0.0.1", port: 0, connectionTimeout: idleTimeout, eventLoopCount: 1, shutdownGracePeriod: .milliseconds(100))
    let server = HTTPServer(configuration: configuration, responder: router, logger: .discarding)
    try server.start()
    do {
        let result = try await body(server.port)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}
