import Foundation
import RecordingModels
import RecordingStore
import Testing

/// One suite, every implementation: what the protocol's doc comments promise.
@Suite struct RecordingStoreSuite {
    @Test(arguments: StoreKind.available)
    func insertedRecordingReadsBackWithEveryField(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let recording = StoredRecording(
                id: "rec-1", egressId: "EG_1", roomName: "Ünïcode room 'quoted'; DROP TABLE recordings; --", roomId: "RM_1",
                layout: .speakerLight, audioOnly: true, preset: "H264_1080P_30", status: .active,
                startedAt: EpochMilliseconds(1_700_000_000_001), endedAt: EpochMilliseconds(1_700_000_100_002), error: "none",
                fileKey: "recordings/a.mp4", fileLocation: "s3://livekit-recordings/recordings/a.mp4", fileSize: 5_000_000_000,
                fileDurationMs: 99_000, fileMissing: true, startedBy: "op-1", stoppedBy: "op-2", maxDurationSeconds: 3600,
                livekitUpdatedAtNanos: 1_700_000_100_002_000_123, createdAt: EpochMilliseconds(1_700_000_000_000),
                updatedAt: EpochMilliseconds(1_700_000_000_500), version: 7)
            try await store.insert(recording)
            #expect(try await store.recording(id: "rec-1") == recording)
            #expect(try await store.recording(egressId: "EG_1") == recording)
            #expect(try await store.activeRecording(roomName: recording.roomName) == recording)
            #expect(try await store.recording(id: "missing") == nil)
            #expect(try await store.recording(egressId: "EG_missing") == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func updateBumpsVersionAndRefusesStaleOrMissingRows(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let reservation = Fixture.recording(id: "rec-1")
            try await store.insert(reservation)

            var attached = reservation
            attached.egressId = "EG_1"
            attached.status = .active
            attached.updatedAt = EpochMilliseconds(1_700_000_000_900)
            let written = try await store.update(attached)
            #expect(written.version == 2)
            #expect(written.egressId == "EG_1")
            #expect(try await store.recording(id: "rec-1") == written)

            // `attached` still carries version 1: someone (us) wrote since.
            await #expect(throws: RecordingStoreError.conflict(id: "rec-1")) { try await store.update(attached) }
            var gone = written
            gone.id = "rec-missing"
            await #expect(throws: RecordingStoreError.notFound(id: "rec-missing")) { try await store.update(gone) }
            #expect(try await store.recording(id: "rec-1")?.version == 2)
        }
    }

    @Test(arguments: StoreKind.available)
    func secondActiveRecordingInARoomIsRefusedWithTheActiveOne(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            // Terminal recordings never hold the room.
            try await store.insert(Fixture.recording(id: "old-1", egressId: "EG_old1", status: .complete))
            try await store.insert(Fixture.recording(id: "old-2", egressId: "EG_old2", status: .failed))
            let active = Fixture.recording(id: "rec-1", status: .starting)
            try await store.insert(active)

            for status in [RecordingStatus.starting, .active, .ending] {
                await #expect(throws: RecordingStoreError.roomBusy(active: active)) {
                    try await store.insert(Fixture.recording(id: "rec-\(status)", egressId: "EG_\(status)", status: status))
                }
            }
            // Another room is free.
            try await store.insert(Fixture.recording(id: "rec-other", room: "retro"))
            #expect(try await store.activeRecordings().map(\.id).sorted() == ["rec-1", "rec-other"])
        }
    }

    @Test(arguments: StoreKind.available)
    func updateThatReactivatesARowWhileTheRoomIsBusyIsRefused(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let ended = Fixture.recording(id: "rec-ended", egressId: "EG_1", status: .complete)
            try await store.insert(ended)
            let active = Fixture.recording(id: "rec-active", egressId: "EG_2", status: .active)
            try await store.insert(active)

            var revived = ended
            revived.status = .active
            await #expect(throws: RecordingStoreError.roomBusy(active: active)) { try await store.update(revived) }
            #expect(try await store.recording(id: "rec-ended") == ended)

            // Once the active one ends, the room is free again.
            var finished = active
            finished.status = .complete
            try await store.update(finished)
            #expect(try await store.update(revived).status == .active)
        }
    }

    @Test(arguments: StoreKind.available)
    func twentyConcurrentReservationsForOneRoomLeaveExactlyOneWinner(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            let outcomes = try await reserveConcurrently(stores: [store], count: 20)
            try expectExactlyOneWinner(outcomes, store: store)
            let winner = try #require(try await store.activeRecording(roomName: "standup"))
            #expect(outcomes.compactMap { $0.error?.roomBusyActive?.id }.allSatisfy { $0 == winner.id })
        }
    }

    @Test(arguments: StoreKind.available)
    func twoStoreInstancesOnOneDatabaseRacingLeaveExactlyOneWinner(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            // A second process's store: its own connection(s) to the same database.
            let other = try database.makeStore()
            try await other.migrate()
            let outcomes = try await reserveConcurrently(stores: [store, other], count: 20)
            try expectExactlyOneWinner(outcomes, store: store)
        }
    }

    @Test(arguments: StoreKind.available)
    func duplicateEgressIdIsRefused(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.insert(Fixture.recording(id: "rec-1", egressId: "EG_1", status: .complete))
            await #expect(throws: RecordingStoreError.duplicateEgress(egressId: "EG_1")) {
                try await store.insert(Fixture.recording(id: "rec-2", egressId: "EG_1", room: "retro", status: .complete))
            }
            // Several reservations (no egress id yet) in different rooms are fine.
            try await store.insert(Fixture.recording(id: "rec-3", room: "a"))
            try await store.insert(Fixture.recording(id: "rec-4", room: "b"))

            var attach = try #require(try await store.recording(id: "rec-3"))
            attach.egressId = "EG_1"
            await #expect(throws: RecordingStoreError.duplicateEgress(egressId: "EG_1")) { try await store.update(attach) }
        }
    }

    @Test(arguments: StoreKind.available)
    func listFiltersAndOrdersNewestFirst(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            // Same createdAt for b and c: the id breaks the tie, descending.
            try await store.insert(Fixture.recording(id: "a", egressId: "EG_a", room: "r1", status: .complete, createdAt: 1000))
            try await store.insert(Fixture.recording(id: "b", egressId: "EG_b", room: "r2", status: .failed, createdAt: 2000))
            try await store.insert(Fixture.recording(id: "c", egressId: "EG_c", room: "r1", status: .active, createdAt: 2000))
            try await store.insert(Fixture.recording(id: "d", room: "r2", status: .starting, createdAt: 3000))
            try await store.insert(Fixture.recording(id: "e", egressId: "EG_e", room: "r2", status: .complete, createdAt: 4000))

            func ids(_ query: RecordingQuery) async throws -> [String] { try await store.list(query).recordings.map(\.id) }
            #expect(try await ids(RecordingQuery()) == ["e", "d", "c", "b", "a"])
            #expect(try await ids(RecordingQuery(roomName: "r1")) == ["c", "a"])
            #expect(try await ids(RecordingQuery(status: .complete)) == ["e", "a"])
            #expect(try await ids(RecordingQuery(activeOnly: true)) == ["d", "c"])
            #expect(try await ids(RecordingQuery(roomName: "r2", activeOnly: true)) == ["d"])
            #expect(try await ids(RecordingQuery(roomName: "r2", status: .complete)) == ["e"])
            #expect(try await ids(RecordingQuery(roomName: "nobody")) == [])
            #expect(try await store.list(RecordingQuery()).nextCursor == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func keysetPagesCoverEveryRowExactlyOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            // 23 rows, many sharing a createdAt, so pages split inside a tie.
            var expected: [(Int64, String)] = []
            for index in 0..<23 {
                let id = String(format: "rec-%02d", (index * 7) % 23)
                let createdAt = Int64(1000 + index / 4)
                expected.append((createdAt, id))
                try await store.insert(Fixture.recording(id: id, egressId: "EG_\(id)", status: .complete, createdAt: createdAt))
            }
            let newestFirst = expected.sorted { ($0.0, $0.1) > ($1.0, $1.1) }.map(\.1)

            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await store.list(RecordingQuery(limit: 5, cursor: cursor))
                #expect(page.recordings.count == (page.nextCursor == nil ? 3 : 5))
                seen += page.recordings.map(\.id)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 5)
            #expect(seen == newestFirst)

            // A filter applies on every page too.
            let filtered = try await store.list(RecordingQuery(roomName: "standup", status: .complete, limit: 22))
            let rest = try await store.list(RecordingQuery(roomName: "standup", status: .complete, limit: 22, cursor: filtered.nextCursor))
            #expect(filtered.recordings.count == 22)
            #expect(rest.recordings.map(\.id) == [newestFirst.last!])
            #expect(rest.nextCursor == nil)
        }
    }

    /// SQL stores read `listInfo` from fewer columns than `list`: every field must still come
    /// out as `RecordingInfo(stored:)` makes it from the full row, and the cursors must match,
    /// also when a page ends on a reservation (it is left out but still positions the cursor).
    @Test(arguments: StoreKind.available)
    func listInfoMatchesTheFullRowsOnEveryPage(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            for index in 0..<9 {
                var recording = Fixture.recording(
                    id: "rec-\(index)", egressId: index % 4 == 3 ? nil : "EG_\(index)", room: "room-\(index % 3)",
                    status: index % 4 == 3 ? .starting : .complete, createdAt: 1000 + Int64(index / 2))
                if index.isMultiple(of: 2) {
                    recording.roomId = "RM_\(index)"
                    recording.layout = index.isMultiple(of: 4) ? nil : .speakerLight
                    recording.audioOnly = true
                    recording.preset = "H264_720P_30"
                    recording.startedAt = EpochMilliseconds(2000 + Int64(index))
                    recording.endedAt = EpochMilliseconds(3000 + Int64(index))
                    recording.error = "Ünïcode error 'quoted' \(index)"
                    recording.fileKey = "recordings/\(index).mp4"
                    recording.fileLocation = "s3://bucket/recordings/\(index).mp4"
                    recording.fileSize = index == 4 ? nil : 5_000_000_000 + Int64(index)
                    recording.fileDurationMs = index == 6 ? nil : 99_000
                    recording.fileMissing = index == 2
                    recording.startedBy = "op-\(index)"
                    recording.stoppedBy = index == 0 ? nil : "participant-\(index)"
                    recording.maxDurationSeconds = 3600
                }
                try await store.insert(recording)
            }
            func expected(_ query: RecordingQuery) async throws -> RecordingInfoPage {
                let page = try await store.list(query)
                let recordings = page.recordings.compactMap { $0.egressId == nil ? nil : RecordingInfo(stored: $0) }
                return RecordingInfoPage(recordings: recordings, nextCursor: page.nextCursor)
            }
            for query in [RecordingQuery(), RecordingQuery(roomName: "room-1"), RecordingQuery(activeOnly: true)] {
                #expect(try await store.listInfo(query) == expected(query))
            }
            for limit in 1...4 {
                var cursor: String?
                var pages = 0
                repeat {
                    let query = RecordingQuery(limit: limit, cursor: cursor)
                    let page = try await store.listInfo(query)
                    #expect(try await page == expected(query), "limit \(limit), page \(pages)")
                    cursor = page.nextCursor
                    pages += 1
                } while cursor != nil && pages < 20
                #expect(pages == (9 + limit - 1) / limit)
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func cursorsTheStoreDidNotHandOutAreRefused(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            for index in 0..<3 {
                try await store.appendAudit(Fixture.audit(id: "audit-\(index)", at: Int64(index)))
                try await store.insert(Fixture.recording(id: "rec-\(index)", egressId: "EG_\(index)", status: .complete))
            }
            let auditCursor = try #require(try await store.audit(AuditQuery(limit: 1)).nextCursor)
            let recordingsCursor = try #require(try await store.list(RecordingQuery(limit: 1)).nextCursor)
            for bad in ["", "not base64!", "bm90IGEgY3Vyc29y", "cjp4OnJlYy0x", auditCursor] {
                await #expect(throws: RecordingStoreError.invalidCursor) { try await store.list(RecordingQuery(cursor: bad)) }
            }
            await #expect(throws: RecordingStoreError.invalidCursor) { try await store.audit(AuditQuery(cursor: recordingsCursor)) }
        }
    }

    @Test(arguments: StoreKind.available)
    func terminalRecordingsAreOldestFirstBeforeTheDateAndLimited(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.insert(Fixture.recording(id: "t3", egressId: "EG_3", room: "a", status: .complete, createdAt: 3000))
            try await store.insert(Fixture.recording(id: "t1", egressId: "EG_1", room: "b", status: .aborted, createdAt: 1000))
            try await store.insert(Fixture.recording(id: "t2", egressId: "EG_2", room: "c", status: .limitReached, createdAt: 2000))
            try await store.insert(Fixture.recording(id: "new", egressId: "EG_4", room: "d", status: .failed, createdAt: 9000))
            try await store.insert(Fixture.recording(id: "live", egressId: "EG_5", room: "e", status: .active, createdAt: 500))

            let before5000 = try await store.terminalRecordings(createdBefore: EpochMilliseconds(5000), limit: 10)
            #expect(before5000.map(\.id) == ["t1", "t2", "t3"])
            let limited = try await store.terminalRecordings(createdBefore: EpochMilliseconds(5000), limit: 2)
            #expect(limited.map(\.id) == ["t1", "t2"])
            #expect(try await store.terminalRecordings(createdBefore: EpochMilliseconds(1000), limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func activeRecordingsAreOldestFirst(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.insert(Fixture.recording(id: "late", room: "a", status: .ending, createdAt: 3000))
            try await store.insert(Fixture.recording(id: "early", room: "b", status: .starting, createdAt: 1000))
            try await store.insert(Fixture.recording(id: "mid", egressId: "EG_m", room: "c", status: .active, createdAt: 2000))
            try await store.insert(Fixture.recording(id: "done", egressId: "EG_d", room: "a", status: .complete, createdAt: 500))
            #expect(try await store.activeRecordings().map(\.id) == ["early", "mid", "late"])
            #expect(try await store.activeRecording(roomName: "a")?.id == "late")
            #expect(try await store.activeRecording(roomName: "z") == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func deleteRemovesTheRowOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.insert(Fixture.recording(id: "rec-1", egressId: "EG_1", status: .active))
            #expect(try await store.delete(id: "rec-1"))
            #expect(try await store.recording(id: "rec-1") == nil)
            #expect(try await !store.delete(id: "rec-1"))
            // The room and the egress id are free again.
            try await store.insert(Fixture.recording(id: "rec-2", egressId: "EG_1", status: .active))
        }
    }

    @Test(arguments: StoreKind.available)
    func auditIsNewestFirstFilteredAndPaged(kind: StoreKind) async throws {
        try await withStore(kind) { store, _ in
            var all: [AuditRecord] = []
            for index in 0..<12 {
                let record = Fixture.audit(
                    id: String(format: "audit-%02d", index), at: Int64(100 + index / 3), room: index % 2 == 0 ? "even" : "odd",
                    egressId: index % 3 == 0 ? "EG_x" : nil)
                all.append(record)
                try await store.appendAudit(record)
            }
            let newestFirst = all.sorted { ($0.at, $0.id) > ($1.at, $1.id) }

            var seen: [AuditRecord] = []
            var cursor: String?
            repeat {
                let page = try await store.audit(AuditQuery(limit: 5, cursor: cursor))
                seen += page.records
                cursor = page.nextCursor
            } while cursor != nil && seen.count <= all.count
            #expect(seen == newestFirst)

            #expect(try await store.audit(AuditQuery(roomName: "even")).records == newestFirst.filter { $0.roomName == "even" })
            #expect(try await store.audit(AuditQuery(egressId: "EG_x")).records.map(\.id) == ["audit-09", "audit-06", "audit-03", "audit-00"])
            #expect(try await store.audit(AuditQuery(roomName: "odd", egressId: "EG_x")).records.map(\.id) == ["audit-09", "audit-03"])
        }
    }

    @Test(arguments: StoreKind.available)
    func leaseHasOneHolderUntilItExpiresAndItsHolderRenewsIt(kind: StoreKind) async throws {
        try await withStore(kind) { (store: any RecordingStore, _: TestDatabase) async throws in
            let start: Int64 = 1_000_000
            #expect(try await store.acquireLease(name: "reconcile", holder: "replica-a", seconds: 30, now: EpochMilliseconds(start)))
            #expect(try await !store.acquireLease(name: "reconcile", holder: "replica-b", seconds: 30, now: EpochMilliseconds(start + 1)))
            // Another lease name is independent.
            #expect(try await store.acquireLease(name: "retention", holder: "replica-b", seconds: 30, now: EpochMilliseconds(start)))
            // Renewal by the holder extends it past the first expiry...
            #expect(try await store.acquireLease(name: "reconcile", holder: "replica-a", seconds: 30, now: EpochMilliseconds(start + 20_000)))
            #expect(try await !store.acquireLease(name: "reconcile", holder: "replica-b", seconds: 30, now: EpochMilliseconds(start + 40_000)))
            // ...and once it lapses, someone else takes it, and the old holder is out.
            #expect(try await store.acquireLease(name: "reconcile", holder: "replica-b", seconds: 30, now: EpochMilliseconds(start + 50_000)))
            #expect(try await !store.acquireLease(name: "reconcile", holder: "replica-a", seconds: 30, now: EpochMilliseconds(start + 50_001)))
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentLeaseRequestsHaveOneWinner(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            let other = try database.makeStore()
            let stores = [store, other]
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await stores[index % 2].acquireLease(name: "retention", holder: "replica-\(index)", seconds: 60, now: EpochMilliseconds(5000))
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1)
        }
    }

    @Test(arguments: StoreKind.available)
    func migratingAgainKeepsTheData(kind: StoreKind) async throws {
        try await withStore(kind) { store, database in
            try await store.insert(Fixture.recording(id: "rec-1"))
            try await store.migrate()
            let other = try database.makeStore()
            // Two replicas starting at once.
            async let first: Void = other.migrate()
            async let second: Void = try database.makeStore().migrate()
            _ = try await (first, second)
            #expect(try await other.recording(id: "rec-1")?.id == "rec-1")
            try await store.ping()
        }
    }
}

/// Reserves room "standup" `count` times at once, spread over `stores`.
private func reserveConcurrently(stores: [any RecordingStore], count: Int) async throws -> [Result<String, RecordingStoreError>] {
    try await withThrowingTaskGroup(of: Result<String, RecordingStoreError>.self) { group in
        for index in 0..<count {
            group.addTask {
                let recording = Fixture.recording(id: "rec-\(index)")
                do {
                    try await stores[index % stores.count].insert(recording)
                    return .success(recording.id)
                } catch let error as RecordingStoreError {
                    return .failure(error)
                }
            }
        }
        return try await group.reduce(into: []) { $0.append($1) }
    }
}

private func expectExactlyOneWinner(_ outcomes: [Result<String, RecordingStoreError>], store: any RecordingStore) throws {
    let winners = outcomes.compactMap { try? $0.get() }
    #expect(winners.count == 1)
    let refusals = outcomes.compactMap { $0.error }
    #expect(refusals.count == outcomes.count - 1)
    #expect(refusals.allSatisfy { $0.roomBusyActive?.id == winners.first })
}

extension Result {
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
