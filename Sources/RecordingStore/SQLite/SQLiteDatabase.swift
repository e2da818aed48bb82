import Dispatch
import Foundation
import Synchronization

/// The SQLite side of `SQLDatabase`: one writer connection behind one serial queue, and a
/// few read-only connections for reads.
///
/// Writes (and anything that reads in order to write) go through the queue: SQLite allows
/// one writer at a time anyway, a single connection keeps a reservation's insert and its
/// follow-up read in order, and a slow disk never blocks the caller's thread.
///
/// Reads run on the caller's thread, on a read-only connection (`withReadConnection`). That
/// saves two thread hops per request, each of which waits for a time slice on a busy
/// machine (bench/README.md). It is safe for an event-loop thread because it is bounded:
/// - the store's reads are indexed lookups and pages of at most 1000 rows;
/// - in WAL mode a reader never waits for the writer nor for a checkpoint (it reads the
///   last committed snapshot), and a reader's busy timeout is zero: in the rare cases where
///   SQLite would make it wait (WAL recovery after a crash, a writer rebuilding the WAL
///   index), the read goes to the writer's queue instead of sleeping;
/// - at most `readerLimit` readers exist; when all are in use the read queues like a write.
/// Read-your-writes holds: a write has committed before its caller resumes, and every read
/// statement starts a new read transaction (statements are reset after each use).
final class SQLiteDatabase: SQLDatabase, @unchecked Sendable {
    // @unchecked: `writer` is only touched on `queue`; readers are handed out one thread at a time by `readers`.
    private let writer: SQLiteConnection
    private let queue: DispatchQueue
    private let readers: SQLiteReaderPool
    private let path: String
    /// The file the connection opened; see `requireSameFile`.
    private let identity: FileIdentity?
    let dialect = SQLDialect.sqlite

    static let readerLimit = 4

    init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DatabaseFailure.failed("cannot create the directory \(directory.path) for the SQLite database: \(error.localizedDescription)")
        }
        writer = try SQLiteConnection(path: path)
        queue = DispatchQueue(label: "recording-store.sqlite")
        readers = SQLiteReaderPool(path: path, limit: Self.readerLimit)
        self.path = path
        identity = FileIdentity(path: path)
    }

    func withConnection<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    try self.requireSameFile()
                    return try body(self.writer)
                })
            }
        }
    }

    func withReadConnection<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try requireSameFile()
        if let reader = try readers.checkOut() {
            defer { readers.checkIn(reader) }
            do {
                return try body(reader.connection)
            } catch DatabaseFailure.busy {
                // Fall through: the writer's queue may wait (busy timeout); this thread must not.
            }
        }
        return try await withConnection(body)
    }

    /// SQLite keeps using a file that was deleted or replaced under it (an `rm`, a restore,
    /// a volume remounted): every write would answer "ok" into an unlinked inode and vanish
    /// at the next restart. One `stat` per call (microseconds) turns that into a loud,
    /// retryable `unavailable` (503 `database_unavailable`, `/ready` failing).
    private func requireSameFile() throws {
        guard let identity, FileIdentity(path: path) != identity else { return }
        throw DatabaseFailure.failed(
            "the SQLite database file \(path) was deleted or replaced while the service was running; "
                + "restore it and restart the service (writes since then were refused)")
    }
}

/// Read-only connections, opened on first need (an idle server holds none beyond the
/// first), each used by one thread at a time.
final class SQLiteReaderPool: Sendable {
    /// A reader's busy timeout is zero: see `SQLiteDatabase`.
    static let busyTimeoutMilliseconds: Int32 = 0
    /// Each reader's page cache, in KiB (SQLite's default is 2 MiB per connection): the OS page
    /// cache holds the file anyway, and the idle RSS target is 40 MB (bench/README.md).
    static let cacheKibibytes = 512

    private let path: String
    private let limit: Int
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var idle: [SQLiteReader] = []
        var opened = 0
    }

    init(path: String, limit: Int) {
        self.path = path
        self.limit = limit
        state = Mutex(State())
    }

    /// An idle reader, a new one while fewer than `limit` exist, or nil when all are in use.
    func checkOut() throws -> SQLiteReader? {
        enum Next { case reuse(SQLiteReader), open, none }
        let next: Next = state.withLock { state in
            if let reader = state.idle.popLast() { return .reuse(reader) }
            guard state.opened < limit else { return .none }
            state.opened += 1
            return .open
        }
        switch next {
        case .reuse(let reader): return reader
        case .none: return nil
        case .open:
            do {
                return SQLiteReader(connection: try Self.open(path))
            } catch {
                state.withLock { $0.opened -= 1 }
                throw error
            }
        }
    }

    func checkIn(_ reader: SQLiteReader) {
        state.withLock { $0.idle.append(reader) }
    }

    private static func open(_ path: String) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, readOnly: true, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        try connection.executeScript("PRAGMA cache_size = -\(cacheKibibytes)")
        return connection
    }
}

/// A reader connection crossing threads: it is only ever used by the thread that checked it out.
final class SQLiteReader: @unchecked Sendable {
    let connection: SQLiteConnection

    init(connection: SQLiteConnection) {
        self.connection = connection
    }
}

/// Device and inode of a file: what stays the same while the file is the same file.
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
