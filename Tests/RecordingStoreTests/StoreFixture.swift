import Foundation
import RecordingModels
import Testing

@testable import RecordingStore

/// The store implementations the shared suite runs against: SQLite always, PostgreSQL
/// when `TEST_POSTGRES_URL` names a server (or must, under `TEST_REQUIRE_INTEGRATION=1`).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static var available: [StoreKind] {
        let environment = ProcessInfo.processInfo.environment
        let postgres = environment["TEST_POSTGRES_URL"] != nil || environment["TEST_REQUIRE_INTEGRATION"] == "1"
        return postgres ? [.sqlite, .postgres] : [.sqlite]
    }
}

struct MissingIntegrationVariable: Error, CustomStringConvertible {
    var name: String
    var description: String { "\(name) is not set but TEST_REQUIRE_INTEGRATION=1 (run scripts/stack/postgres.sh start)" }
}

/// A fresh, empty, migrated database of `kind` for one test: a temp SQLite file, or a new
/// PostgreSQL database created through the admin URL. Removed afterwards.
func withStore<T>(_ kind: StoreKind, _ body: (any RecordingStore, TestDatabase) async throws -> T) async throws -> T {
    let database = try await TestDatabase.create(kind)
    do {
        let store = try database.makeStore()
        try await store.migrate()
        let result = try await body(store, database)
        try await database.drop()
        return result
    } catch {
        try? await database.drop()
        throw error
    }
}

struct TestDatabase: Sendable {
    var kind: StoreKind
    /// The `DATABASE_URL` of this test's database.
    var url: String
    private var adminURL: String?
    private var databaseName: String?
    private var directory: URL?

    static func create(_ kind: StoreKind) async throws -> TestDatabase {
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-tests-\(suffix)")
            return TestDatabase(kind: kind, url: "sqlite://\(directory.path)/recordings.db", directory: directory)
        case .postgres:
            guard let admin = ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"] else {
                throw MissingIntegrationVariable(name: "TEST_POSTGRES_URL")
            }
            let name = "t_\(suffix)"
            // The name is ours (hex digits): identifiers cannot be bound as parameters.
            try await adminExecute(admin, "CREATE DATABASE \(name)")
            var components = try #require(URLComponents(string: admin))
            components.path = "/\(name)"
            return TestDatabase(kind: kind, url: try #require(components.string), adminURL: admin, databaseName: name)
        }
    }

    func makeStore() throws -> any RecordingStore {
        try RecordingStoreFactory.makeStore(databaseURL: url)
    }

    var sqlitePath: String? {
        if case .sqlite(let path) = try? DatabaseURL(parsing: url) { return path }
        return nil
    }

    func drop() async throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
        if let adminURL, let databaseName {
            try await Self.adminExecute(adminURL, "DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
        }
    }

    private static func adminExecute(_ url: String, _ sql: String) async throws {
        let database = PostgresDatabase(url: url, redactedURL: "admin", poolSize: 1)
        try await database.withConnection { try $0.executeScript(sql) }
    }
}

/// Builders for rows, so each test states only what matters to it.
enum Fixture {
    static func recording(
        id: String = UUID().uuidString, egressId: String? = nil, room: String = "standup", status: RecordingStatus = .starting,
        createdAt: Int64 = 1_700_000_000_000, version: Int = 1
    ) -> StoredRecording {
        StoredRecording(
            id: id, egressId: egressId, roomName: room, layout: .gridDark, status: status,
            startedAt: EpochMilliseconds(createdAt), createdAt: EpochMilliseconds(createdAt),
            updatedAt: EpochMilliseconds(createdAt), version: version)
    }

    static func audit(id: String = UUID().uuidString, at: Int64, room: String? = "standup", egressId: String? = nil) -> AuditRecord {
        AuditRecord(
            id: id, at: EpochMilliseconds(at), actor: "op-1", actorKind: "operator", action: "start", egressId: egressId,
            roomName: room, remoteAddress: "127.0.0.1", outcome: "ok")
    }
}

extension RecordingStoreError {
    var roomBusyActive: StoredRecording? {
        if case .roomBusy(let active) = self { return active }
        return nil
    }
}
