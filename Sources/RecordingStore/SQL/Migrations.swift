/// The schema, as numbered steps per dialect. A step is never edited once released:
/// a change is a new step. `schema_migrations` records which ones a database has.
struct Migration: Sendable {
    var version: Int
    var sql: String
}

enum Migrations {
    /// The statuses that hold a room (`RecordingStatus.isActive`). Written out because the
    /// partial index's predicate and the queries' must be the same text for PostgreSQL's
    /// planner to use that index.
    static let activeStatusList = "('EGRESS_STARTING', 'EGRESS_ACTIVE', 'EGRESS_ENDING')"

    /// The `pg_advisory_xact_lock` key replicas take while migrating (any constant unique to this app).
    static let postgresLockKey: Int64 = 0x7265_635F_6170_6931

    static func steps(for dialect: SQLDialect) -> [Migration] {
        switch dialect {
        case .sqlite: [Migration(version: 1, sql: initialSchema(integer: "INTEGER", boolean: "INTEGER", falseValue: "0"))]
        case .postgres: [Migration(version: 1, sql: initialSchema(integer: "BIGINT", boolean: "BOOLEAN", falseValue: "FALSE"))]
        }
    }

    static func createMigrationsTable(for dialect: SQLDialect) -> String {
        let integer = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return "CREATE TABLE IF NOT EXISTS schema_migrations (version \(integer) PRIMARY KEY, applied_at \(integer) NOT NULL)"
    }

    /// Version 1. Times are epoch milliseconds; LiveKit's `updated_at` stays in nanoseconds.
    /// The two dialects differ only in type names.
    private static func initialSchema(integer: String, boolean: String, falseValue: String) -> String {
        """
        CREATE TABLE recordings (
            id TEXT PRIMARY KEY NOT NULL,
            egress_id TEXT,
            room_name TEXT NOT NULL,
            room_id TEXT,
            layout TEXT,
            audio_only \(boolean) NOT NULL DEFAULT \(falseValue),
            preset TEXT,
            status TEXT NOT NULL CHECK (status IN ('EGRESS_STARTING', 'EGRESS_ACTIVE', 'EGRESS_ENDING',
                'EGRESS_COMPLETE', 'EGRESS_FAILED', 'EGRESS_ABORTED', 'EGRESS_LIMIT_REACHED')),
            started_at \(integer) NOT NULL,
            ended_at \(integer),
            error TEXT,
            file_key TEXT,
            file_location TEXT,
            file_size \(integer),
            file_duration_ms \(integer),
            file_missing \(boolean) NOT NULL DEFAULT \(falseValue),
            started_by TEXT,
            stopped_by TEXT,
            max_duration_seconds \(integer),
            livekit_updated_at_ns \(integer),
            created_at \(integer) NOT NULL,
            updated_at \(integer) NOT NULL,
            version \(integer) NOT NULL
        );
        -- Several NULLs (reservations) are allowed by a unique index in both databases.
        CREATE UNIQUE INDEX recordings_egress_id ON recordings (egress_id);
        -- The one-active-recording-per-room rule, reservations included, held by the database
        -- itself so that racing requests and replicas cannot both win.
        CREATE UNIQUE INDEX recordings_active_room_name ON recordings (room_name) WHERE status IN \(activeStatusList);
        CREATE INDEX recordings_active ON recordings (created_at, id) WHERE status IN \(activeStatusList);
        CREATE INDEX recordings_newest ON recordings (created_at DESC, id DESC);
        CREATE INDEX recordings_room_newest ON recordings (room_name, created_at DESC, id DESC);
        CREATE INDEX recordings_status_newest ON recordings (status, created_at DESC, id DESC);

        CREATE TABLE audit (
            id TEXT PRIMARY KEY NOT NULL,
            at \(integer) NOT NULL,
            actor TEXT NOT NULL,
            actor_kind TEXT NOT NULL,
            action TEXT NOT NULL,
            egress_id TEXT,
            room_name TEXT,
            remote_address TEXT,
            outcome TEXT NOT NULL
        );
        CREATE INDEX audit_newest ON audit (at DESC, id DESC);
        CREATE INDEX audit_room_newest ON audit (room_name, at DESC, id DESC);
        CREATE INDEX audit_egress_newest ON audit (egress_id, at DESC, id DESC);

        CREATE TABLE leases (
            name TEXT PRIMARY KEY NOT NULL,
            holder TEXT NOT NULL,
            expires_at \(integer) NOT NULL
        );
        """
    }
}
