import Foundation
import S3
import Testing
import TestSupport

/// The seed's happy path, end to end: the real server, the LiveKit emulator, the S3 server.
@Suite("End to end: the seed's happy path", .enabled(if: LiveStack.canRun))
struct HappyPathTests {
    static let room = "!abc123:market.implica.ru"

    @Test func startStatusListStopAndTheFileIsInTheBucket() async throws {
        try await withStack(try await LiveStack(rooms: [Self.room: ["alice", "bob"]])) { stack in
            try await happyPath(stack)
        }
    }

    private func happyPath(_ stack: LiveStack) async throws {
        let api = stack.client()

        let started = try await api.post("/api/recording/start", object: ["roomName": Self.room])
        #expect(started.status == 200, "\(started.text)")
        let egressId = try #require(started.json["egressId"] as? String)
        #expect(started.json["success"] as? Bool == true)
        #expect(started.json["roomName"] as? String == Self.room)
        #expect(started.json["layout"] as? String == "grid-dark")
        #expect((started.json["startedAt"] as? String).flatMap { Int64($0) } != nil)
        let key = try #require((started.json["file"] as? [String: Any])?["key"] as? String)
        #expect(key.hasPrefix("recordings/") && key.hasSuffix(".mp4"))
        #expect(!key.contains("!") && !key.contains(":"))

        let status = try await api.get("/api/recording/status/\(egressId)")
        #expect(status.status == 200)
        let egress = try #require(status.json["egress"] as? [String: Any])
        #expect(egress["egressId"] as? String == egressId)
        #expect(egress.keys.contains("endedAt") && egress.keys.contains("error"))

        let list = try await api.get("/api/recording/list")
        let ids = (list.json["recordings"] as? [[String: Any]] ?? []).compactMap { $0["egressId"] as? String }
        #expect(ids.contains(egressId))

        try await Task.sleep(for: .seconds(1.5))
        let stopped = try await api.post("/api/recording/stop", object: ["egressId": egressId])
        #expect(stopped.status == 200, "\(stopped.text)")
        // Usually COMPLETE already; on a loaded machine the upload may outlast the stop's wait.
        let stoppedStatus = stopped.json["status"] as? String
        #expect(stoppedStatus == "EGRESS_COMPLETE" || stoppedStatus == "EGRESS_ENDING")
        #expect(stopped.json.keys.contains("endedAt"))

        var final: [String: Any] = [:]
        for _ in 0..<100 {
            final = try await api.get("/api/recording/status/\(egressId)").json["egress"] as? [String: Any] ?? [:]
            if final["status"] as? String == "EGRESS_COMPLETE" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(final["status"] as? String == "EGRESS_COMPLETE")
        #expect((final["endedAt"] as? String).flatMap { Int64($0) } != nil)

        // The MP4 is in the bucket at the returned key, non-empty.
        let object = try await stack.bucket.headObject(key: key)
        #expect((object?.size ?? 0) > 1000)

        #expect(try await stack.emulator.rejections().isEmpty)
    }
}
