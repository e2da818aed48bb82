import Foundation
import RecordingModels
import Synchronization
import Testing

@testable import RecordingStore

/// Each connection keeps its prepared statements by SQL text. What must not change: every
/// call sees its own parameters only, errors leave the statement usable, and a cached
/// statement never pins an old snapshot.
@Suite struct SQLiteStatementCacheTests {
    static func freshPath() -> (URL, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-cache-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory, directory.appendingPathComponent("cache.db").path)
    }

    static func values(_ rows: [SQLRow]) -> [[SQLValue]] { rows.map(\.values) }

    @Test func aStatementIsPreparedOnceAndReusedWithNewParameters() throws {
        let (directory, path) = Self.freshPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = try SQLiteConnection(path: path)
        #expect(Self.values(try connection.query("SELECT $1 + 1", [.integer(1)])) == [[.integer(2)]])
        #expect(Self.values(try connection.query("SELECT $1 + 1", [.integer(41)])) == [[.integer(42)]])
        #expect(connection.cachedStatementCount == 1)
    }

    @Test func aCallThatBindsFewerParametersDoesNotInheritTheLastCallsValues() throws {
        let (directory, path) = Self.freshPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = try SQLiteConnection(path: path)
        #expect(Self.values(try connection.query("SELECT $1, $2", [.integer(1), .text("two")])) == [[.integer(1), .text("two")]])
        #expect(Self.values(try connection.query("SELECT $1, $2", [.integer(3)])) == [[.integer(3), .null]])
    }

    @Test func aStatementThatFailedWorksOnTheNextCall() throws {
        let (directory, path) = Self.freshPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = try SQLiteConnection(path: path)
        try connection.executeScript("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)")
        let insert = "INSERT INTO t (id, n) VALUES ($1, $2)"
        try connection.execute(insert, [.text("a"), .integer(1)])
        #expect(throws: DatabaseFailure.self) { try connection.execute(insert, [.text("a"), .integer(2)]) }
        try connection.execute(insert, [.text("b"), .integer(3)])
        #expect(Self.values(try connection.query("SELECT id, n FROM t ORDER BY id")) == [[.text("a"), .integer(1)], [.text("b"), .integer(3)]])
        #expect(connection.cachedStatementCount == 2)
    }

    @Test func aCachedReadSeesWhatAnotherConnectionCommittedSince() throws {
        let (directory, path) = Self.freshPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try SQLiteConnection(path: path)
        try writer.executeScript("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER); INSERT INTO t VALUES ('a', 1)")
        let reader = try SQLiteConnection(path: path, readOnly: true, busyTimeoutMilliseconds: 0)
        let read = "SELECT n FROM t WHERE id = $1"
        #expect(Self.values(try reader.query(read, [.text("a")])) == [[.integer(1)]])
        for n in 2...5 {
            try writer.execute("UPDATE t SET n = $1 WHERE id = 'a'", [.integer(Int64(n))])
            #expect(Self.values(try reader.query(read, [.text("a")])) == [[.integer(Int64(n))]])
        }
        // A reader that cannot write, by construction.
        #expect(throws: DatabaseFailure.self) { try reader.execute("DELETE FROM t", []) }
    }

    @Test func theCacheStaysBoundedWhateverTheSQL() throws {
        let (directory, path) = Self.freshPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = try SQLiteConnection(path: path)
        for n in 0..<(SQLiteConnection.statementCacheLimit * 2) {
            #expect(Self.values(try connection.query("SELECT \(n)")) == [[.integer(Int64(n))]])
        }
        #expect(connection.cachedStatementCount <= SQLiteConnection.statementCacheLimit)
    }

    /// A reader never sleeps on a lock on the caller's thread (its busy timeout is zero): a
    /// read that finds the file locked goes to the writer's queue, which may wait for it.
    @Test func aReadThatFindsTheFileLockedIsRetriedOnTheWritersQueue() async throws {
        let (directory, path) = Self.freshPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try SQLiteDatabase(path: path)
        let attempts = Mutex(0)
        let answer = try await database.withReadConnection { connection in
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            if attempt == 1 { throw DatabaseFailure.busy("SQLite error 5: database is locked") }
            return try connection.query("SELECT $1", [.integer(Int64(attempt))]).first?.values
        }
        #expect(answer == [.integer(2)])
        // Any other failure is the answer: nothing else is retried.
        await #expect(throws: DatabaseFailure.self) {
            try await database.withReadConnection { connection in try connection.query("SELECT * FROM missing") }
        }
    }
}

@Suite struct ReadPathTests {
    /// A client that wrote and then reads (start, then status) sees its write, on every
    /// backend, while others write the same table.
    @Test(arguments: StoreKind.available)
    func readsSeeEveryCommittedWriteOfTheirCallerUnderConcurrentWrites(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let writers = 4
            let rounds = 25
            for writer in 0..<writers {
                try await store.insert(Fixture.recording(id: "rec-\(writer)", egressId: "EG_\(writer)", room: "room-\(writer)", status: .active))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var current = try #require(try await store.recording(id: "rec-\(writer)"))
                        for round in 1...rounds {
                            current.error = "round \(round)"
                            current = try await store.update(current)
                            let byEgress = try #require(try await store.recording(egressId: "EG_\(writer)"))
                            #expect(byEgress == current)
                            let page = try await store.list(RecordingQuery(roomName: "room-\(writer)", limit: 5))
                            #expect(page.recordings == [current])
                        }
                    }
                }
                // A reader of everything meanwhile: versions only ever go up.
                group.addTask {
                    var seen: [String: Int] = [:]
                    for _ in 0..<(rounds * 2) {
                        for recording in try await store.list(RecordingQuery(limit: 10)).recordings {
                            #expect(recording.version >= seen[recording.id, default: 0])
                            seen[recording.id] = recording.version
                        }
                    }
                }
                try await group.waitForAll()
            }
            for writer in 0..<writers {
                #expect(try await store.recording(id: "rec-\(writer)")?.version == rounds + 1)
            }
        }
    }
}

@Suite(.enabled(if: StoreKind.available.contains(.postgres)))
struct PostgresStatementCacheTests {
    /// A connection to a fresh database, dropped when the test ends.
    static func connect() async throws -> (PostgresConnection, TestDatabase) {
        let database = try await TestDatabase.create(.postgres)
        return (try PostgresConnection(url: database.url, redactedURL: "test"), database)
    }

    static func values(_ rows: [SQLRow]) -> [[SQLValue]] { rows.map(\.values) }

    @Test func aStatementIsPreparedOnceAndReusedWithNewParameters() async throws {
        let (connection, database) = try await Self.connect()
        defer { Task { try? await database.drop() } }
        #expect(Self.values(try connection.query("SELECT $1::bigint + 1", [.integer(1)])) == [[.integer(2)]])
        #expect(Self.values(try connection.query("SELECT $1::bigint + 1", [.integer(41)])) == [[.integer(42)]])
        #expect(connection.preparedStatementCount == 1)
        // Prepared with a NULL (type left to the server), then given a value.
        #expect(Self.values(try connection.query("SELECT $1::bigint", [.null])) == [[.null]])
        #expect(Self.values(try connection.query("SELECT $1::bigint", [.integer(7)])) == [[.integer(7)]])
    }

    @Test func aStatementThatFailedOrWasRolledBackWorksOnTheNextCall() async throws {
        let (connection, database) = try await Self.connect()
        defer { Task { try? await database.drop() } }
        try connection.executeScript("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT)")
        let insert = "INSERT INTO t (id, n) VALUES ($1, $2)"
        try connection.execute(insert, [.text("a"), .integer(1)])
        #expect(throws: DatabaseFailure.self) { try connection.execute(insert, [.text("a"), .integer(2)]) }
        // Prepared statements outlive a rolled-back transaction (they are not transactional).
        #expect(throws: DatabaseFailure.self) {
            try connection.transaction {
                try connection.execute("UPDATE t SET n = $1 WHERE id = $2", [.integer(9), .text("a")])
                try connection.execute(insert, [.text("a"), .integer(3)])
            }
        }
        try connection.execute("UPDATE t SET n = $1 WHERE id = $2", [.integer(5), .text("a")])
        try connection.execute(insert, [.text("b"), .integer(4)])
        #expect(Self.values(try connection.query("SELECT id, n FROM t ORDER BY id")) == [[.text("a"), .integer(5)], [.text("b"), .integer(4)]])
    }

    @Test func aConnectionProbesItsServerSoADeadPeerIsNoticedInAMinute() async throws {
        let (connection, database) = try await Self.connect()
        defer { Task { try? await database.drop() } }
        func option(_ level: Int32, _ name: Int32) -> Int32 {
            var value: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(connection.socket, level, name, &value, &size)
            return value
        }
        #expect(option(SOL_SOCKET, SO_KEEPALIVE) == 1)
        #expect(option(Int32(IPPROTO_TCP), TCP_KEEPIDLE) == 30)
        #expect(option(Int32(IPPROTO_TCP), TCP_KEEPINTVL) == 10)
        #expect(option(Int32(IPPROTO_TCP), TCP_KEEPCNT) == 3)
        #expect(option(Int32(IPPROTO_TCP), TCP_USER_TIMEOUT) == 60_000)
    }

    @Test func statementsTheSessionLostArePreparedAgain() async throws {
        let (connection, database) = try await Self.connect()
        defer { Task { try? await database.drop() } }
        #expect(Self.values(try connection.query("SELECT $1::text", [.text("x")])) == [[.text("x")]])
        try connection.executeScript("DEALLOCATE ALL")
        #expect(Self.values(try connection.query("SELECT $1::text", [.text("y")])) == [[.text("y")]])
        #expect(Self.values(try connection.query("SELECT $1::text", [.text("z")])) == [[.text("z")]])
        #expect(connection.preparedStatementCount == 1)
    }
}
