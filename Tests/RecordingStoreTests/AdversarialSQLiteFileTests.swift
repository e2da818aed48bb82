import Foundation
import RecordingModels
import RecordingStore
import Testing

/// The database file pulled from under a running service (a volume remounted, an operator's
/// `rm`, a restore over it). SQLite keeps writing to the unlinked file, so without a check
/// every write after that point answers "ok" and is lost at the next restart.
@Suite struct AdversarialSQLiteFileTests {
    static func freshPath() -> (URL, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-adversarial-\(UUID().uuidString)")
        return (directory, directory.appendingPathComponent("recordings.db").path)
    }

    static func isUnavailable(naming path: String) -> @Sendable (any Error) -> Bool {
        { error in
            guard case RecordingStoreError.unavailable(let message) = error else { return false }
            return message.contains(path)
        }
    }

    @Test func aDeletedFileMakesTheStoreUnavailableInsteadOfWritingIntoTheVoid() async throws {
        let (directory, path) = Self.freshPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteRecordingStore(path: path)
        try await store.migrate()
        try await store.insert(Fixture.recording(id: "rec-before", egressId: "EG_before", status: .active))

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }

        await #expect(performing: { try await store.ping() }, throws: Self.isUnavailable(naming: path))
        await #expect(performing: {
            try await store.insert(Fixture.recording(id: "rec-after", egressId: "EG_after", room: "!other:example.org"))
        }, throws: Self.isUnavailable(naming: path))
    }

    @Test func aFileReplacedByAnotherIsUnavailableToo() async throws {
        let (directory, path) = Self.freshPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteRecordingStore(path: path)
        try await store.migrate()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        // Someone restores "a backup" (here: a fresh empty database) at the same path.
        let replacement = try SQLiteRecordingStore(path: path)
        try await replacement.migrate()

        await #expect(performing: { try await store.ping() }, throws: Self.isUnavailable(naming: path))
        // The replacement, opened on the new file, works.
        try await replacement.ping()
    }
}
