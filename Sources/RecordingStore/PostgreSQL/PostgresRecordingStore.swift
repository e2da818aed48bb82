import RecordingModels

/// The store for several replicas: PostgreSQL through libpq, with a small connection pool.
/// Connections open on first use, and are replaced transparently after the server restarts.
public struct PostgresRecordingStore: SQLBackedRecordingStore {
    let store: SQLRecordingStore

    /// `url`: `postgres://user:pass@host:port/db` (or `postgresql://`, `?sslmode=...`).
    /// Throws `DatabaseURLError` for a malformed URL; does not connect yet.
    public init(url: String, poolSize: Int = 4) throws {
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
