import Foundation

/// Where the store lives, parsed from `DATABASE_URL`:
/// `sqlite://relative/path.db`, `sqlite:///absolute/path.db`,
/// or `postgres://user:pass@host:5432/db` (also `postgresql://`, with `?sslmode=` and
/// other libpq options).
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    /// `url` is handed to libpq as is; `redacted` is the same with the password replaced.
    case postgres(url: String, redacted: String)

    public init(parsing text: String) throws(DatabaseURLError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { throw DatabaseURLError("is empty") }
        if trimmed.hasPrefix("sqlite://") {
            // Not URL-parsed: a file path may hold characters a URL would need escaped.
            let path = String(trimmed.dropFirst("sqlite://".count))
            guard !path.isEmpty, !path.hasSuffix("/") else {
                throw DatabaseURLError("names no database file after sqlite:// (e.g. sqlite://data/recordings.db)")
            }
            self = .sqlite(path: path)
            return
        }
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            self = try Self.postgres(trimmed)
            return
        }
        let scheme = trimmed.components(separatedBy: "://").first.flatMap { $0 == trimmed ? nil : $0 }
        throw DatabaseURLError(
            scheme.map { "has the unsupported scheme \"\($0)\"" + "; use sqlite:// or postgres://" }
                ?? "is not a URL; use sqlite://path/to/file.db or postgres://user:pass@host:5432/db")
    }

    /// Safe to log.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(_, let redacted): redacted
        }
    }

    private static func postgres(_ text: String) throws(DatabaseURLError) -> DatabaseURL {
        guard let components = URLComponents(string: text) else {
            throw DatabaseURLError("is not a valid postgres:// URL (characters such as @ : / in the password must be percent-encoded)")
        }
        var redactedComponents = components
        if components.password != nil { redactedComponents.password = "***" }
        // libpq also takes the password as a parameter (`?password=`, `?sslpassword=`).
        redactedComponents.percentEncodedQueryItems = components.percentEncodedQueryItems?.map { item in
            isSecretParameter(item.name) ? URLQueryItem(name: item.name, value: "***") : item
        }
        let redacted = redactedComponents.string ?? "postgres://***"
        guard let host = components.host, !host.isEmpty else {
            throw DatabaseURLError("has no host (\(redacted)); expected postgres://user:pass@host:5432/db")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw DatabaseURLError("has an invalid port \(port) (\(redacted))")
        }
        if components.path.count <= 1 {
            throw DatabaseURLError("names no database (\(redacted)); expected postgres://user:pass@host:5432/db")
        }
        return .postgres(url: text, redacted: redacted)
    }
}

/// A libpq connection parameter whose value is a secret (`password`, `sslpassword`).
func isSecretParameter(_ name: String) -> Bool {
    name.lowercased().hasSuffix("password")
}

/// `DATABASE_URL` was unusable; the message says why and never contains a password.
public struct DatabaseURLError: LocalizedError, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    init(_ reason: String) { self.reason = reason }

    public var description: String { "DATABASE_URL \(reason)" }
    public var errorDescription: String? { description }
}

/// Builds the store `DATABASE_URL` names.
public enum RecordingStoreFactory {
    public static func makeStore(databaseURL: String, postgresPoolSize: Int = PostgresRecordingStore.defaultPoolSize) throws -> any RecordingStore {
        try makeStore(DatabaseURL(parsing: databaseURL), postgresPoolSize: postgresPoolSize)
    }

    public static func makeStore(_ url: DatabaseURL, postgresPoolSize: Int = PostgresRecordingStore.defaultPoolSize) throws -> any RecordingStore {
        switch url {
        case .sqlite(let path): try SQLiteRecordingStore(path: path)
        case .postgres: try PostgresRecordingStore(url: url, poolSize: postgresPoolSize)
        }
    }
}
