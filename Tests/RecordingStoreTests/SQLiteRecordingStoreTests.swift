import Foundation
import RecordingModels
import RecordingStore
import Testing

@Suite struct SQLiteRecordingStoreTests {
    @Test func dataSurvivesReopeningTheFileAndTheMissingDirectoryIsCreated() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-reopen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/deeper/recordings.db").path
        #expect(!FileManager.default.fileExists(atPath: directory.path))

        let recording = Fixture.recording(id: "rec-1", egressId: "EG_1", status: .active)
        do {
            let store = try SQLiteRecordingStore(path: path)
            try await store.migrate()
            try await store.insert(recording)
            try await store.appendAudit(Fixture.audit(id: "audit-1", at: 5))
        }
        #expect(FileManager.default.fileExists(atPath: path))

        let reopened = try SQLiteRecordingStore(path: path)
        try await reopened.migrate()
        #expect(try await reopened.recording(id: "rec-1") == recording)
        #expect(try await reopened.audit(AuditQuery()).records.map(\.id) == ["audit-1"])
        // The room rule is in the file, not in the first store's memory.
        await #expect(throws: RecordingStoreError.roomBusy(active: recording)) {
            try await reopened.insert(Fixture.recording(id: "rec-2"))
        }
    }

    @Test func aFileThatCannotBeOpenedIsUnavailable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A directory where the database file should be.
        #expect {
            _ = try SQLiteRecordingStore(path: directory.path)
        } throws: { error in
            guard case RecordingStoreError.unavailable(let message) = error else { return false }
            return message.contains(directory.path)
        }
    }
}
