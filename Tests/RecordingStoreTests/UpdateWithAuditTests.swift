import Foundation
import RecordingModels
import RecordingStore
import Testing

/// `update(_:appendingAudit:)` and `delete(id:appendingAudit:)`: what a start, a stop or a
/// delete writes, in one transaction.
@Suite struct UpdateWithAuditTests {
    @Test(arguments: StoreKind.available)
    func updateWithAuditWritesBothOrNeither(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let reservation = Fixture.recording(id: "rec-1", room: "a")
            try await store.insert(reservation)
            try await store.insert(Fixture.recording(id: "rec-2", egressId: "EG_taken", room: "b", status: .active))

            var attached = reservation
            attached.egressId = "EG_1"
            attached.status = .active
            let written = try await store.update(attached, appendingAudit: Fixture.audit(id: "audit-ok", at: 1, egressId: "EG_1"))
            #expect(written.version == 2)
            #expect(try await store.recording(egressId: "EG_1") == written)

            // A stale version: neither the row nor the audit line.
            await #expect(throws: RecordingStoreError.conflict(id: "rec-1")) {
                try await store.update(attached, appendingAudit: Fixture.audit(id: "audit-conflict", at: 2))
            }
            // A unique index refusing the row is explained as the plain update does.
            var duplicate = written
            duplicate.egressId = "EG_taken"
            await #expect(throws: RecordingStoreError.duplicateEgress(egressId: "EG_taken")) {
                try await store.update(duplicate, appendingAudit: Fixture.audit(id: "audit-duplicate", at: 3))
            }
            // Every field as given (PostgreSQL writes both in one statement, its parameters in order).
            #expect(try await store.audit(AuditQuery()).records == [Fixture.audit(id: "audit-ok", at: 1, egressId: "EG_1")])
            #expect(try await store.recording(id: "rec-1") == written)
        }
    }

    /// A start whose reservation reconcile removed meanwhile, and a second active recording in
    /// a room: refused as the plain update refuses them, and no audit record for either.
    @Test(arguments: StoreKind.available)
    func refusedUpdateWritesNoAuditRecord(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let gone = Fixture.recording(id: "rec-gone", room: "a")
            await #expect(throws: RecordingStoreError.notFound(id: "rec-gone")) {
                try await store.update(gone, appendingAudit: Fixture.audit(id: "audit-gone", at: 1))
            }

            let running = Fixture.recording(id: "rec-running", egressId: "EG_run", room: "b", status: .active)
            try await store.insert(running)
            var ended = Fixture.recording(id: "rec-ended", egressId: "EG_old", room: "b", status: .complete)
            try await store.insert(ended)
            ended.status = .active
            await #expect(throws: RecordingStoreError.roomBusy(active: running)) {
                try await store.update(ended, appendingAudit: Fixture.audit(id: "audit-busy", at: 2))
            }
            #expect(try await store.audit(AuditQuery()).records.isEmpty)
            #expect(try await store.recording(id: "rec-ended")?.status == .complete)
        }
    }

    /// The delete's record is what keeps a late webhook from storing the egress again: it
    /// must exist exactly when the row is gone.
    @Test(arguments: StoreKind.available)
    func deleteWithAuditWritesBothOrNeither(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.insert(Fixture.recording(id: "rec-1", egressId: "EG_1", room: "a", status: .complete))
            try await store.insert(Fixture.recording(id: "rec-2", egressId: "EG_2", room: "b", status: .complete))

            #expect(try await store.delete(id: "rec-1", appendingAudit: Fixture.audit(id: "audit-1", at: 1, egressId: "EG_1")))
            #expect(try await store.recording(id: "rec-1") == nil)
            // Already gone: false, and no record.
            #expect(try await store.delete(id: "rec-1", appendingAudit: Fixture.audit(id: "audit-again", at: 2)) == false)
            // A record the database refuses (its id is taken) keeps the row.
            await #expect(throws: (any Error).self) {
                try await store.delete(id: "rec-2", appendingAudit: Fixture.audit(id: "audit-1", at: 3, egressId: "EG_2"))
            }
            #expect(try await store.recording(id: "rec-2") != nil)
            #expect(try await store.audit(AuditQuery()).records.map(\.id) == ["audit-1"])
        }
    }

    /// Found past any number of newer records of the same egress (one look-up, not a page).
    @Test(arguments: StoreKind.available)
    func anAuditRecordIsFoundBehindManyNewerOnes(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            var deleted = Fixture.audit(id: "the-delete", at: 1, egressId: "EG_1")
            deleted.action = "delete"
            try await store.appendAudit(deleted)
            for index in 0..<60 {
                var failed = Fixture.audit(id: "failed-\(index)", at: Int64(2 + index), egressId: "EG_1")
                failed.action = "delete"
                failed.outcome = "not_found"
                try await store.appendAudit(failed)
            }
            #expect(try await store.hasAuditRecord(egressId: "EG_1", actions: ["delete", "retention_delete"], outcome: "ok"))
            #expect(try await store.hasAuditRecord(egressId: "EG_1", actions: ["retention_delete"], outcome: "ok") == false)
            #expect(try await store.hasAuditRecord(egressId: "EG_2", actions: ["delete"], outcome: "ok") == false)
        }
    }
}
