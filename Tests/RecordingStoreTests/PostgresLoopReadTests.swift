import DescriptorWaiting
import Foundation
import HTTPServer
import Logging
import RecordingModels
import Synchronization
import Testing

@testable import RecordingStore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// PostgreSQL reads made by a request handler on an event loop go through that loop's own
/// non-blocking connections (no thread of their own), and behave as the pooled ones do.
@Suite(.enabled(if: StoreKind.available.contains(.postgres)))
struct PostgresLoopReadTests {
    /// A store over a fresh database, with `count` recordings, and a server whose handlers
    /// read it from the event loop: `/status/{id}`, `/list`, `/sleep?ms=`.
    static func withLoopServer(
        recordings count: Int, readTimeout: Duration = .seconds(30),
        _ body: (SQLRecordingStore, PostgresDatabase, Int) async throws -> Void
    ) async throws {
        let testDatabase = try await TestDatabase.create(.postgres)
        defer { Task { try? await testDatabase.drop() } }
        let database = PostgresDatabase(url: testDatabase.url, redactedURL: "test", poolSize: 2, loopReadTimeout: readTimeout)
        let store = SQLRecordingStore(database: database, name: "test")
        try await store.migrate()
        for index in 0..<count {
            try await store.insert(Fixture.recording(
                id: "rec-\(index)", egressId: "EG_\(index)", room: "room-\(index)", status: .complete, createdAt: 1_700_000_000_000 + Int64(index)))
        }
        let server = HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, eventLoopCount: 1), responder: Self.router(store, database), logger: .discarding)
        try server.start()
        do {
            try await body(store, database, server.port)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    static func router(_ store: SQLRecordingStore, _ database: PostgresDatabase) -> Router {
        var router = Router()
        router.on("GET", "/status/{id}") { request in
            let recording = try await store.recording(id: request.pathParameters["id"] ?? "")
            return Self.text(recording.map { "\($0.egressId ?? "-") \($0.status.rawValue)" } ?? "none")
        }
        router.on("GET", "/list") { _ in
            let page = try await store.listInfo(RecordingQuery(limit: 2))
            return Self.text(page.recordings.map(\.egressId).joined(separator: ",") + " next:\(page.nextCursor != nil)")
        }
        router.on("GET", "/sleep") { request in
            let seconds = Double(request.query["ms"] ?? "0")! / 1000
            do {
                let slept = try await database.read("SELECT 42 FROM pg_sleep(\(seconds))", []) { rows in try rows.map { try $0.integer(0) } }
                return Self.text("slept \(slept)")
            } catch let failure as DatabaseFailure {
                return Self.text("\(failure)")
            }
        }
        return router
    }

    static func text(_ text: String) -> Response {
        Response(headers: ["Content-Type": "text/plain"], body: .bytes(Array(text.utf8)))
    }

    static func get(_ port: Int, _ path: String) async throws -> String {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
        let (data, _) = try await URLSession.shared.data(from: url)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func readsOnTheLoopUseItsConnectionsAndAnswerAsThePoolDoes() async throws {
        try await Self.withLoopServer(recordings: 3) { store, database, port in
            #expect(try await Self.get(port, "/status/rec-1") == "EG_1 EGRESS_COMPLETE")
            #expect(try await Self.get(port, "/status/rec-9") == "none")
            let pooled = try await store.listInfo(RecordingQuery(limit: 2))  // off the loop: a slot
            #expect(try await Self.get(port, "/list") == pooled.recordings.map(\.egressId).joined(separator: ",") + " next:true")
            #expect(database.loopConnectionsOpened == 1, "one loop, reads one after another: one connection")
        }
    }

    @Test func aSlowAnswerSuspendsTheReadAndOthersOnTheLoopGoOn() async throws {
        try await Self.withLoopServer(recordings: 1) { _, database, port in
            let slowFinished = Mutex(false)
            let slow = Task {
                defer { slowFinished.withLock { $0 = true } }
                return try await Self.get(port, "/sleep?ms=1000")
            }
            try await Task.sleep(for: .milliseconds(100))
            // Answered while the slow read waits: the loop is not blocked by it.
            #expect(try await Self.get(port, "/status/rec-0") == "EG_0 EGRESS_COMPLETE")
            #expect(!slowFinished.withLock { $0 })
            #expect(try await slow.value == "slept [42]")
            #expect(database.loopConnectionsOpened == 2)
        }
    }

    @Test func aReadWithoutAnAnswerInTimeFailsAndItsConnectionIsDropped() async throws {
        try await Self.withLoopServer(recordings: 1, readTimeout: .milliseconds(200)) { _, database, port in
            #expect(try await Self.get(port, "/status/rec-0") == "EG_0 EGRESS_COMPLETE")
            #expect(database.loopConnectionsOpened == 1)
            let answer = try await Self.get(port, "/sleep?ms=2000")
            #expect(answer.contains("no answer from PostgreSQL"), "\(answer)")
            #expect(database.loopConnectionsOpened == 0)
            // The next read opens a fresh connection (the dropped one was mid-statement).
            #expect(try await Self.get(port, "/status/rec-0") == "EG_0 EGRESS_COMPLETE")
            #expect(database.loopConnectionsOpened == 1)
        }
    }

    @Test func aConnectionPostgreSQLClosedIsReplacedWithoutFailingTheRead() async throws {
        try await Self.withLoopServer(recordings: 1) { store, database, port in
            #expect(try await Self.get(port, "/status/rec-0") == "EG_0 EGRESS_COMPLETE")
            // Every other session of this database ends, the loop's idle connection included.
            let killed = try await database.withConnection { connection in
                try connection.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            }
            #expect(!killed.isEmpty)
            #expect(try await Self.get(port, "/status/rec-0") == "EG_0 EGRESS_COMPLETE")
            #expect(try await Self.get(port, "/status/rec-0") == "EG_0 EGRESS_COMPLETE")
            #expect(database.loopConnectionsOpened == 1)
        }
    }

    @Test func afterAnAnswerThatWasNotQuickTheNextReadWaitsThroughTheLoop() async throws {
        let testDatabase = try await TestDatabase.create(.postgres)
        defer { Task { try? await testDatabase.drop() } }
        let connection = try PostgresConnection(url: testDatabase.url, redactedURL: "test")
        try connection.makeNonBlocking()
        let waiter = CountingWaiter()
        func read(_ sql: String) async throws -> [Int64] {
            try await connection.read(sql, [], waitingWith: waiter, timeout: .seconds(10)) { rows in try rows.map { try $0.integer(0) } }
        }
        // About 1 ms each: within the in-place budget, but a loop waiting that long in place
        // per read does nothing else.
        for _ in 0..<10 { #expect(try await read("SELECT 42 FROM pg_sleep(0.001)") == [42]) }
        #expect(!connection.inPlaceWaits.inPlace)
        let waitsBefore = waiter.waits.load(ordering: .relaxed)
        #expect(try await read("SELECT 7") == [7])
        #expect(waiter.waits.load(ordering: .relaxed) > waitsBefore, "the read after slow answers waited in place")
    }
}

/// A loop stand-in that waits with poll() and counts the waits handed to it.
private final class CountingWaiter: DescriptorWaiter {
    let waits = Atomic<Int>(0)

    func wait(for descriptor: Int32, to readiness: DescriptorReadiness, timeout: Duration) async -> DescriptorWaitOutcome {
        waits.add(1, ordering: .relaxed)
        var watched = pollfd(fd: descriptor, events: Int16(readiness == .readable ? POLLIN : POLLOUT), revents: 0)
        return poll(&watched, 1, Int32(timeout.components.seconds * 1000)) == 1 ? .ready : .timedOut
    }
}

struct InPlaceWaitsTests {
    static let budget = Duration.milliseconds(2)

    @Test func slowOrMissedAnswersSendWaitsToTheLoopAndProbesBringThemBack() {
        var waits = InPlaceWaits()
        var inPlace = waits.shouldWaitInPlace()
        #expect(inPlace)
        waits.record(answeredIn: .microseconds(100), budget: Self.budget)
        waits.record(answeredIn: nil, budget: Self.budget)
        inPlace = waits.shouldWaitInPlace()
        #expect(inPlace, "one slow answer among quick ones keeps waiting in place")
        for _ in 0..<5 { waits.record(answeredIn: .microseconds(1100), budget: Self.budget) }
        let next = (1...InPlaceWaits.probeInterval).map { _ in waits.shouldWaitInPlace() }
        #expect(next == Array(repeating: false, count: InPlaceWaits.probeInterval - 1) + [true], "through the loop, then one probe")
        waits.record(answeredIn: nil, budget: Self.budget)
        inPlace = waits.shouldWaitInPlace()
        #expect(!inPlace, "a probe that gave up keeps waits on the loop")
        var probes = 0
        while !waits.inPlace && probes < 100 {
            if waits.shouldWaitInPlace() {
                waits.record(answeredIn: .microseconds(80), budget: Self.budget)
                probes += 1
            }
        }
        #expect((2...12).contains(probes), "quick probes bring waits back in place")
        inPlace = waits.shouldWaitInPlace()
        #expect(inPlace)
    }
}
