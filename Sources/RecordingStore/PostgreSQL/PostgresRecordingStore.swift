import RecordingModels

/// The store for several replicas: PostgreSQL through libpq, with a small connection pool.
/// Connections open on first use, and are replaced transparently after the server restarts.
public struct PostgresRecordingStore: SQLBackedRecordingStore {
    let store: SQLRecordingStore

    /// Requests beyond the pool wait for a connection. With 4, a status load of 32 connections
    /// queued behind them; 8 gave 15-25% more status requests a second and a lower p50 on two
    /// cores (make bench; each connection is a server process, so replicas x 8 must stay
    /// under PostgreSQL's max_connections, 100 by default). Connections open on first use.
    public static let defaultPoolSize = 8

    /// `url`: `postgres://user:pass@host:port/db` (or `postgresql://`, `?sslmode=...`).
    /// Throws `DatabaseURLError` for a malformed URL; does not connect yet.
    public init(url: String, poolSize: Int = defaultPoolSize) throws {
        try self.init(url: DatabaseURL(parsing: url), poolSize: poolSize)
    }

    init(url: DatabaseURL, poolSize: Int) throws {
        guard case .postgres(let text, let redacted) = url else {
            throw DatabaseURLError("is not a postgres:// URL (\(url))")
        }
        store = SQLRecordingStore(
            database: PostgresDatabase(url: text, redactedURL: redacted, poolSize: max(poolSize, 1)), name: "PostgreSQL \(redacted)")
    }
}
