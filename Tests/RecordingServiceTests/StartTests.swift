import Foundation
import Logging
import RecordingModels
import RecordingService
import RecordingStore
import Testing
import TestSupport

@Suite("Starting a recording")
struct StartTests {
    struct BadStart: Sendable, CustomStringConvertible {
        var roomName = Harness.room
        var layout: String?
        var preset: String?
        var maxDurationSeconds: Int?
        var code: String
        var mentions: String
        var description: String { "\(code) (\(mentions))" }
    }

    static let badStarts: [BadStart] = [
        BadStart(roomName: "", code: APIErrorCode.invalidRoomName, mentions: "roomName"),
        BadStart(roomName: String(repeating: "é", count: 129), code: APIErrorCode.invalidRoomName, mentions: "256"),
        BadStart(roomName: "a\0b", code: APIErrorCode.invalidRoomName, mentions: "NUL"),
        BadStart(layout: "grid", code: APIErrorCode.invalidLayout, mentions: "grid-dark, grid-light, speaker-dark, speaker-light"),
        BadStart(preset: "H264_4K", code: APIErrorCode.invalidPreset, mentions: "H264_720P_30"),
        BadStart(preset: "PASSTHROUGH", code: APIErrorCode.invalidPreset, mentions: "PORTRAIT_H264_1080P_60"),
        BadStart(maxDurationSeconds: 0, code: APIErrorCode.invalidField, mentions: "maxDurationSeconds"),
        BadStart(maxDurationSeconds: -5, code: APIErrorCode.invalidField, mentions: "maxDurationSeconds"),
    ]

    @Test("invalid input is refused before LiveKit is asked", arguments: badStarts)
    func invalidInput(_ bad: BadStart) async throws {
        let h = Harness()
        let error = await serviceError {
            try await h.service().start(
                roomName: bad.roomName, layout: bad.layout, preset: bad.preset, maxDurationSeconds: bad.maxDurationSeconds, by: Harness.alice)
        }
        #expect(error?.code == bad.code)
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains(bad.mentions) == true, "\(error?.message ?? "")")
        #expect(h.liveKit.calls(.start) == 0)
        let audit = await h.store.auditTrail
        #expect(audit.map(\.outcome) == [bad.code])
        #expect(audit.first?.actor == "alice")
        #expect(audit.first?.remoteAddress == "10.0.0.1")
    }

    @Test("any room name LiveKit accepts", arguments: [
        "!abc123:example.org", "Zm9v+YmFy/YmF6", "会议室 🎥", String(repeating: "x", count: 256), "../x",
    ])
    func anyRoomName(_ name: String) async throws {
        let h = Harness(rooms: [name])
        let info = try await h.started(name)
        #expect(info.roomName == name)
        let request = try #require(h.liveKit.startRequests.first)
        #expect(request.roomName == name)
        #expect(request.metadata.values.contains(name), "the original name travels with the file")
        #expect(!request.fileKey.contains(":") && !request.fileKey.contains("!") && !request.fileKey.contains(".."))
    }

    @Test("every LiveKit encoding preset", arguments: [
        "H264_720P_30", "H264_720P_60", "H264_1080P_30", "H264_1080P_60",
        "PORTRAIT_H264_720P_30", "PORTRAIT_H264_720P_60", "PORTRAIT_H264_1080P_30", "PORTRAIT_H264_1080P_60",
    ])
    func presets(_ preset: String) async throws {
        let h = Harness()
        _ = try await h.service().start(roomName: Harness.room, preset: preset, by: Harness.alice)
        #expect(h.liveKit.startRequests.first?.preset == preset)
    }

    @Test func successfulStart() async throws {
        var configuration = RecordingServiceConfiguration()
        configuration.defaultLayout = .speakerLight
        let h = Harness(configuration: configuration)
        let info = try await h.service().start(roomName: Harness.room, audioOnly: true, by: Harness.alice)

        #expect(info.egressId.hasPrefix("EG_"))
        #expect(info.status == .starting)
        #expect(info.startedAt == EpochMilliseconds(h.clock.now), "accepted time until LiveKit says it is active")
        #expect(info.endedAt == nil)
        #expect(info.layout == .speakerLight)
        #expect(info.startedBy == "alice")
        let request = try #require(h.liveKit.startRequests.first)
        #expect(request.layout == .speakerLight)
        #expect(request.audioOnly)
        let hash = RoomNameSlug.fnv1a(Harness.room).prefix(8)
        #expect(request.fileKey == "recordings/abc123-example.org-\(hash)_20240127T120000Z.mp4")
        #expect(info.file?.key == request.fileKey)

        let stored = try #require(try await h.stored(info.egressId))
        #expect(stored.maxDurationSeconds == configuration.maxDurationCapSeconds, "the cap is the default")
        let audit = await h.store.auditTrail
        #expect(audit.map(\.action) == ["start"])
        #expect(audit.first?.egressId == info.egressId)
        #expect(audit.first?.outcome == "ok")
        #expect(h.logs.captured.contains { $0.metadata["egress.id"] == info.egressId && $0.metadata["room"] == Harness.room })
    }

    @Test func maxDurationIsCapped() async throws {
        var configuration = RecordingServiceConfiguration()
        configuration.maxDurationCapSeconds = 3_600
        let h = Harness(configuration: configuration)
        let long = try await h.service().start(roomName: Harness.room, maxDurationSeconds: 100_000, by: Harness.alice)
        #expect(try await h.stored(long.egressId)?.maxDurationSeconds == 3_600)
    }

    @Test func unknownRoom() async throws {
        let h = Harness()
        let error = await serviceError { try await h.service().start(roomName: "nobody-here", by: Harness.alice) }
        #expect(error?.code == APIErrorCode.roomNotFound)
        #expect(error?.kind == .notFound)
        #expect(h.liveKit.calls(.start) == 0)
        #expect(await h.store.all.isEmpty)
    }

    @Test func roomVanishesBeforeLiveKitStarts() async throws {
        let h = Harness()
        h.liveKit.failNext(.start, with: .notFound("requested room does not exist"))
        let error = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.roomNotFound)
        #expect(await h.store.all.isEmpty, "the reservation is released")
    }

    @Test func secondStartIsRefusedWithTheRunningEgress() async throws {
        let h = Harness()
        let first = try await h.started()
        let error = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.bob) }
        #expect(error?.code == APIErrorCode.alreadyRecording)
        #expect(error?.kind == .conflict)
        #expect(error?.egressId == first.egressId)
        #expect(h.liveKit.calls(.start) == 1)
        let audit = await h.store.auditTrail
        #expect(audit.last?.actor == "bob")
        #expect(audit.last?.outcome == APIErrorCode.alreadyRecording)
    }

    @Test func twentyConcurrentStartsMakeOneEgress() async throws {
        let h = Harness()
        let service = h.service()
        let outcomes = await withTaskGroup(of: Result<RecordingInfo, RecordingServiceError>.self) { group in
            for i in 0..<20 {
                group.addTask {
                    do throws(RecordingServiceError) {
                        return .success(try await service.start(roomName: Harness.room, by: Caller(name: "c\(i)", kind: .operator)))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.compactMap { try? $0.get() }
        let refusals = outcomes.compactMap { if case .failure(let e) = $0 { e } else { nil } }
        #expect(h.liveKit.calls(.start) == 1)
        #expect(winners.count == 1)
        #expect(refusals.count == 19)
        #expect(refusals.allSatisfy { $0.code == APIErrorCode.alreadyRecording })
        let winner = try #require(winners.first)
        #expect(refusals.allSatisfy { $0.egressId == nil || $0.egressId == winner.egressId })
        #expect(await h.store.all.count == 1)
    }

    @Test func refusedStartWaitsForTheOtherStartsEgressId() async throws {
        let h = Harness()
        let at = EpochMilliseconds(h.clock.now)
        let reservation = StoredRecording(
            id: "other", egressId: nil, roomName: Harness.room, layout: .gridDark, status: .starting, startedAt: at, createdAt: at,
            updatedAt: at)
        try await h.store.insert(reservation)
        let store = h.store
        h.clock.onSleep { _ in
            // The other start gets LiveKit's answer while we wait.
            if var row = try? await store.recording(id: "other"), row.egressId == nil {
                row.egressId = "EG_other"
                _ = try? await store.update(row)
            }
        }
        let error = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.bob) }
        #expect(error?.code == APIErrorCode.alreadyRecording)
        #expect(error?.egressId == "EG_other")
    }

    @Test func liveKitDownThenBack() async throws {
        let h = Harness()
        h.liveKit.failNext(.start, with: .unavailable("no response from servers"))
        let error = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.livekitUnavailable)
        #expect(error?.kind == .unavailable)
        #expect(error?.retryAfterSeconds != nil)
        #expect(error?.message.contains("no response from servers") == false, "LiveKit's words stay in the log")
        #expect(await h.store.all.isEmpty, "the room is not left reserved")

        let info = try await h.started()
        #expect(info.status == .starting)
        #expect(h.liveKit.calls(.start) == 2)
    }

    @Test func roomLookupWhileLiveKitIsDown() async throws {
        let h = Harness()
        h.liveKit.setUnavailable(true)
        let error = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.livekitUnavailable)
    }

    @Test func databaseDown() async throws {
        let h = Harness()
        await h.store.failAll(with: .unavailable("disk I/O error at /secret/path"))
        let error = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.databaseUnavailable)
        #expect(error?.message.contains("secret") == false)
    }

    @Test func credentialsRefusedSayWhatToCheckWithoutSecrets() async throws {
        let h = Harness()
        h.liveKit.failNext(.start, with: .unauthenticated("invalid token: secret=s3cr3t"))
        let error = await serviceError { try await h.service().start(roomName: Harness.room, by: Harness.alice) }
        #expect(error?.code == APIErrorCode.livekitError)
        #expect(error?.message.contains("LIVEKIT_API_KEY") == true)
        #expect(error?.message.contains("s3cr3t") == false)
    }
}
