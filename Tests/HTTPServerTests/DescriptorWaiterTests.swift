import DescriptorWaiting
import Foundation
import Synchronization
import Testing

@testable import HTTPServer

/// Event loops answer readiness waits for the tasks they run (PostgreSQL reads use this).
@Suite struct DescriptorWaiterTests {
    /// A connected pair of Unix sockets, closed when the pair goes.
    final class SocketPair: Sendable {
        let reader: Int32
        let writer: Int32

        init() throws {
            var ends: [Int32] = [0, 0]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0 else { throw POSIXError(.EMFILE) }
            reader = ends[0]
            writer = ends[1]
        }

        deinit {
            close(reader)
            close(writer)
        }

        func send() { _ = [UInt8(1)].withUnsafeBytes { write(writer, $0.baseAddress, 1) } }
    }

    @Test func onlyTheLoopThreadsHaveAWaiter() async throws {
        #expect(DescriptorWaiters.current == nil)
        var router = Router()
        router.on("GET", "/where") { _ in jsonBody(DescriptorWaiters.current == nil ? "false" : "true") }
        try await withServer(router) { server in
            let answer = try await request(server.port, "/where")
            #expect(answer.text == "true")
        }
        try await withServer(router, configure: { $0.runsHandlersOnEventLoop = false }) { server in
            let answer = try await request(server.port, "/where")
            #expect(answer.text == "false")
        }
    }

    @Test func aWaitEndsWhenTheSocketIsReadyOrTheTimeoutPasses() async throws {
        var router = Router()
        router.on("GET", "/wait") { _ in
            guard let waiter = DescriptorWaiters.current else { return jsonBody("no waiter") }
            let pair = try SocketPair()
            let idle = await waiter.wait(for: pair.reader, to: .readable, timeout: .milliseconds(50))
            let writable = await waiter.wait(for: pair.writer, to: .writable, timeout: .seconds(5))
            pair.send()
            let readable = await waiter.wait(for: pair.reader, to: .readable, timeout: .seconds(5))
            return jsonBody("\(idle) \(writable) \(readable)")
        }
        try await withServer(router) { server in
            let answer = try await request(server.port, "/wait")
            #expect(answer.text == "timedOut ready ready")
        }
    }

    /// A descriptor the kernel cannot watch (not open) ends the wait instead of leaving the
    /// task suspended until the loop stops.
    @Test func aWaitOnADescriptorThatIsNotOpenEnds() async throws {
        // Not one just closed: tests run in parallel and another would reuse its number.
        let notOpen: Int32 = 4000
        try #require(fcntl(notOpen, F_GETFD) == -1)
        var router = Router()
        router.on("GET", "/wait-closed") { _ in
            let outcome = await DescriptorWaiters.current?.wait(for: notOpen, to: .readable, timeout: .milliseconds(200))
            return jsonBody(outcome.map { "\($0)" } ?? "no waiter")
        }
        try await withServer(router) { server in
            let answer = try await request(server.port, "/wait-closed")
            #expect(["timedOut", "notWatched"].contains(answer.text), "\(answer.text)")
        }
    }

    /// A wait in progress when the loop stops ends `.notWatched` instead of leaving its task
    /// suspended forever.
    @Test func aStoppingLoopEndsTheWaitsInProgress() async throws {
        let outcome = Mutex<DescriptorWaitOutcome?>(nil)
        let pair = try SocketPair()
        var router = Router()
        router.on("GET", "/wait-forever") { _ in
            let ready = await DescriptorWaiters.current?.wait(for: pair.reader, to: .readable, timeout: .seconds(60))
            outcome.withLock { $0 = ready }
            return jsonBody("{}")
        }
        try await withServer(router, configure: { $0.shutdownGracePeriod = .milliseconds(100) }) { server in
            let client = Task { try? await request(server.port, "/wait-forever") }
            #expect(await eventually { server.requestsInFlight == 1 })
            await server.shutdown()
            _ = await client.value
        }
        #expect(await eventually { outcome.withLock { $0 } != nil })
        #expect(outcome.withLock { $0 } == .notWatched)
    }
}
