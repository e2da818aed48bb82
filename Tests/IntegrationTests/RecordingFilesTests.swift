import Foundation
import RecordingModels
import RecordingStore
import Testing
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 6, end to end: download links, files that never arrived, delete, retention,
/// against the real S3 server the emulator uploads to.
@Suite("End to end: recording files", .enabled(if: LiveStack.canRun))
struct RecordingFilesTests {
    static let participants = ["alice", "bob"]

    // MARK: Download

    @Test func downloadLinkServesTheBucketsBytesAsAnAttachment() async throws {
        let room = E2E.room("download")
        let running = E2E.room("download-running")
        try await E2E.withStack(rooms: [room: Self.participants, running: Self.participants]) { stack in
            let api = stack.client()
            let (egressId, key) = try await E2E.record(api, room: room)
            let inBucket = try await Self.objectBytes(stack, key)
            #expect(inBucket.count > 1000)

            let link = try await api.get("/api/recording/download/\(egressId)")
            #expect(link.status == 200, "\(link.text)")
            #expect(link.json["success"] as? Bool == true)
            let expiresAt = try #require(E2E.epochMilliseconds(link.json["expiresAt"]))
            #expect(expiresAt > Int64(Date().timeIntervalSince1970 * 1000))
            let url = try #require((link.json["url"] as? String).flatMap(URL.init(string:)))
            #expect(!link.text.contains("dev-secret-key"))

            let (downloaded, response) = try await Self.fetch(url)
            #expect(response.statusCode == 200)
            #expect(downloaded == inBucket, "the link serves the object in the bucket")
            let disposition = response.value(forHTTPHeaderField: "Content-Disposition") ?? ""
            #expect(disposition.hasPrefix("attachment"), "\(disposition)")
            // Named after the room (its slug) and the start time, UTC.
            let status = E2E.egress(try await api.get("/api/recording/status/\(egressId)"))
            let startedAt = try #require(E2E.epochMilliseconds(status["startedAt"]))
            let day = Self.utcTimestamp(startedAt)
            let label = room.dropFirst().prefix { $0 != ":" }  // "download-1a2b3c4d"
            #expect(disposition.contains(String(label)) && disposition.contains(day) && disposition.contains(".mp4"), "\(disposition)")
            #expect(!disposition.contains("!") && !disposition.contains(":"), "\(disposition)")

            let redirect = try await api.get("/api/recording/download/\(egressId)?redirect=true")
            #expect(redirect.status == 302, "\(redirect.text)")
            let location = try #require(redirect.header("Location").flatMap(URL.init(string:)))
            let (again, againResponse) = try await Self.fetch(location)
            #expect(againResponse.statusCode == 200)
            #expect(again == inBucket)

            let active = try await E2E.startActive(api, room: running)
            E2E.expectFailure(try await api.get("/api/recording/download/\(active.egressId)"), 409, "not_ready")
            E2E.expectFailure(try await api.get("/api/recording/download/\(active.egressId)?redirect=true"), 409, "not_ready")
            E2E.expectFailure(try await api.get("/api/recording/download/EG_doesnotexist"), 404, "not_found")
            E2E.expectFailure(try await api.get("/api/recording/download/\(egressId)?redirect=perhaps"), 400)
        }
    }

    /// Deterministic: LiveKit's ListEgress is made unavailable so reconcile cannot see the
    /// end, the egress completes out of band without a webhook (the file is uploaded), the
    /// object is deleted, and only then is LiveKit answering again: the service learns of
    /// COMPLETE from reconcile and must find the bucket empty at that key.
    @Test func aCompletedRecordingWhoseFileNeverArrivedIsFlaggedMissing() async throws {
        let room = E2E.room("missing")
        try await E2E.withStack(rooms: [room: Self.participants]) { stack in
            let api = stack.client()
            let (egressId, key) = try await E2E.startActive(api, room: room)
            try await stack.emulator.control("POST", "faults", ["method": "ListEgress", "code": "unavailable", "count": 1000])
            try await Task.sleep(for: .seconds(1))
            try await stack.emulator.control("POST", "egress/end", ["egress_id": egressId, "status": "EGRESS_COMPLETE", "webhook": false])
            #expect(try await stack.bucket.headObject(key: key) != nil, "the emulator uploaded the file")
            try await stack.bucket.deleteObject(key: key)
            #expect(E2E.egress(try await api.get("/api/recording/status/\(egressId)"))["status"] as? String == "EGRESS_ACTIVE")
            try await stack.emulator.control("DELETE", "faults")

            let complete = try #require(try await E2E.waitForStatus(api, egressId, "EGRESS_COMPLETE", within: 8))
            let file = complete["file"] as? [String: Any]
            #expect(file?["missing"] as? Bool == true, "\(complete)")
            #expect(((complete["error"] as? String) ?? "").contains("did not arrive"), "\(complete)")
            E2E.expectFailure(try await api.get("/api/recording/download/\(egressId)"), 404, "file_missing")
            E2E.expectFailure(try await api.get("/api/recording/download/\(egressId)?redirect=true"), 404, "file_missing")
        }
    }

    // MARK: Delete

    @Test func deleteRemovesAnEndedRecordingAndExactlyItsFile() async throws {
        let rooms = (0..<3).map { E2E.room("delete-\($0)") }
        try await E2E.withStack(rooms: Dictionary(uniqueKeysWithValues: rooms.map { ($0, Self.participants) })) { stack in
            let api = stack.client()
            let doomed = try await E2E.record(api, room: rooms[0])
            let kept = try await E2E.record(api, room: rooms[1])
            let active = try await E2E.startActive(api, room: rooms[2])

            E2E.expectFailure(try await api.send("DELETE", "/api/recording/\(active.egressId)"), 409, "recording_active")
            #expect(E2E.egress(try await api.get("/api/recording/status/\(active.egressId)"))["status"] as? String == "EGRESS_ACTIVE")

            let deleted = try await api.send("DELETE", "/api/recording/\(doomed.egressId)")
            #expect(deleted.status == 200, "\(deleted.text)")
            #expect(deleted.json["success"] as? Bool == true)
            #expect(try await stack.bucket.headObject(key: doomed.key) == nil, "its file is gone")
            #expect(try await stack.bucket.headObject(key: kept.key) != nil, "another recording's file stays")
            E2E.expectFailure(try await api.get("/api/recording/status/\(doomed.egressId)"), 404, "not_found")
            E2E.expectFailure(try await api.send("DELETE", "/api/recording/\(doomed.egressId)"), 404, "not_found")
            E2E.expectFailure(try await api.send("DELETE", "/api/recording/EG_doesnotexist"), 404, "not_found")
            #expect(E2E.egress(try await api.get("/api/recording/status/\(kept.egressId)"))["status"] as? String == "EGRESS_COMPLETE")

            let audit = try await api.get("/api/audit?egressId=\(doomed.egressId)")
            #expect(audit.status == 200, "\(audit.text)")
            let actions = (audit.json["entries"] as? [[String: Any]] ?? []).map { "\($0["action"] ?? "")/\($0["outcome"] ?? "")" }
            for expected in ["start/ok", "stop/ok", "delete/ok", "delete/not_found"] {
                #expect(actions.contains(expected), "audit: \(actions)")
            }
        }
    }

    // MARK: Retention

    /// The retention sweep runs at start-up and then hourly: rows are aged in the database
    /// file (the same store the service uses), then the service is restarted.
    @Test func retentionRemovesOnlyOldEndedRecordingsAndTheirFiles() async throws {
        let rooms = (0..<3).map { E2E.room("retention-\($0)") }
        try await E2E.withStack(
            rooms: Dictionary(uniqueKeysWithValues: rooms.map { ($0, Self.participants) }), environment: ["RECORDING_RETENTION_DAYS": "7"]
        ) { stack in
            let api = stack.client()
            let old = try await E2E.record(api, room: rooms[0])
            let recent = try await E2E.record(api, room: rooms[1])
            let oldActive = try await E2E.startActive(api, room: rooms[2])

            let store = try SQLiteRecordingStore(path: stack.databaseFile.path)
            let tenDaysAgo = EpochMilliseconds(Date().addingTimeInterval(-10 * 86_400))
            for egressId in [old.egressId, oldActive.egressId] {
                try await Self.age(store, egressId, to: tenDaysAgo)
            }
            // The first sweep ran at start-up, before the rows were old: nothing went yet.
            #expect(try await api.get("/api/recording/status/\(old.egressId)").status == 200)

            try await stack.restartService()
            let api2 = stack.client()
            let gone = try await E2E.eventually(within: 8) {
                try await api2.get("/api/recording/status/\(old.egressId)").status == 404 ? true : nil
            }
            #expect(gone == true, "the old ended recording was swept")
            #expect(try await stack.bucket.headObject(key: old.key) == nil, "with its file")
            #expect(try await stack.bucket.headObject(key: recent.key) != nil)
            #expect(E2E.egress(try await api2.get("/api/recording/status/\(recent.egressId)"))["status"] as? String == "EGRESS_COMPLETE")
            #expect(E2E.egress(try await api2.get("/api/recording/status/\(oldActive.egressId)"))["status"] as? String == "EGRESS_ACTIVE",
                    "an old but running recording is never swept")
            let audit = try await api2.get("/api/audit?egressId=\(old.egressId)")
            let actions = (audit.json["entries"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(actions.contains("retention_delete"), "\(actions)")

            let stopped = try await api2.post("/api/recording/stop", object: ["egressId": oldActive.egressId])
            #expect(stopped.json["status"] as? String == "EGRESS_COMPLETE", "\(stopped.text)")
        }
    }

    // MARK: Helpers

    static func age(_ store: SQLiteRecordingStore, _ egressId: String, to createdAt: EpochMilliseconds) async throws {
        for _ in 0..<8 {
            var row = try #require(try await store.recording(egressId: egressId))
            row.createdAt = createdAt
            do {
                _ = try await store.update(row)
                return
            } catch RecordingStoreError.conflict {
                continue  // the service wrote the row meanwhile
            }
        }
        Issue.record("could not age \(egressId)")
    }

    static func objectBytes(_ stack: LiveStack, _ key: String) async throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: file) }
        try await stack.bucket.getObject(key: key, to: file)
        return try Data(contentsOf: file)
    }

    static func fetch(_ url: URL) async throws -> (Data, HTTPURLResponse) {
        let (data, response) = try await URLSession.shared.data(from: url)
        return (data, try #require(response as? HTTPURLResponse))
    }

    /// `20240127T120000Z`, as in file names.
    static func utcTimestamp(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
