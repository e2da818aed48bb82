import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import room_recording
import RecordingKit
import RecordingModels

/// The CLI's commands end to end against the in-memory contract fake (no process, no socket).
@Suite("room-recording: commands against a fake API")
struct RoomRecordingCommandTests {
    static let token = "s3cret-operator-token"

    struct Run {
        var code: ExitCode
        var console: CapturingConsole
    }

    func run(_ arguments: [String], on fake: ContractFake, terminal: Bool = false, in directory: URL? = nil) async -> Run {
        let console = CapturingConsole(terminal: terminal)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [FakeURLProtocol.self]
        let code = await RoomRecording.run(
            arguments: ["--url", fake.server.baseURL.absoluteString, "--token", Self.token] + arguments,
            environment: [:], console: console.console, session: fake.server.session,
            downloadConfiguration: configuration, timeZone: TimeZone(identifier: "UTC")!)
        // Whatever happened, the token is not in the output.
        #expect(!console.stdout.contains(Self.token) && !console.stderr.contains(Self.token))
        return Run(code: code, console: console)
    }

    static let twoRooms = ["!abc:example.org": ["alice", "bob"], "!xyz:example.org": ["carol"]]

    @Test("list shows rooms, participants and recording state")
    func list() async throws {
        let fake = ContractFake(rooms: Self.twoRooms, recordings: [Sample.recording("EG_1", room: "!xyz:example.org", status: .active)])
        let result = await run(["list"], on: fake)
        #expect(result.code == .ok)
        #expect(result.console.stdout == """
            ROOM              PARTICIPANTS    RECORDING  EGRESS ID
            !abc:example.org  2 (alice, bob)  no         -
            !xyz:example.org  1 (carol)       yes        EG_1
            """)
        #expect(fake.server.requests.first?.authorization == "Bearer \(Self.token)")
    }

    @Test("--json prints the service's objects")
    func json() async throws {
        let fake = ContractFake(recordings: [Sample.recording("EG_1", status: .complete)])
        let result = await run(["--json", "status", "EG_1"], on: fake)
        #expect(result.code == .ok)
        let decoded = try JSONDecoder().decode(RecordingStatusResponse.self, from: Data(result.console.stdout.utf8))
        #expect(decoded.egress == Sample.recording("EG_1", status: .complete))
        #expect(result.console.stdout.contains(#""startedAt":"1706356800000""#))
    }

    @Test("start without a room records the only active room")
    func startOnlyRoom() async throws {
        let fake = ContractFake()
        let result = await run(["start"], on: fake)
        #expect(result.code == .ok)
        #expect(fake.recordings.map(\.roomName) == ["!abc:example.org"])
        #expect(result.console.stdout.hasPrefix("Recording EG_1 of !abc:example.org: EGRESS_STARTING, layout grid-dark"))
    }

    @Test("start without a room, several active: lists them, starts nothing, exits 2")
    func startAmbiguous() async throws {
        let fake = ContractFake(rooms: Self.twoRooms)
        let result = await run(["start"], on: fake)
        #expect(result.code == .usage)
        #expect(result.console.stderr.contains("!abc:example.org") && result.console.stderr.contains("!xyz:example.org"))
        #expect(result.console.stderr.contains("2 rooms are active"))
        #expect(fake.startsSeen == 0)
    }

    @Test("start without a room, none active: an error")
    func startNoRoom() async throws {
        let result = await run(["start"], on: ContractFake(rooms: [:]))
        #expect(result.code == .failure)
        #expect(result.console.stderr.contains("No active room to record."))
    }

    @Test("start of a room already recorded: exit 1 with the server's message and the recording")
    func startConflict() async throws {
        let fake = ContractFake(recordings: [Sample.recording("EG_on", status: .active)])
        let result = await run(["start", "!abc:example.org", "speaker-dark"], on: fake)
        #expect(result.code == .failure)
        #expect(result.console.stderr == "room-recording: This room is already being recorded. (recording EG_on)")
    }

    @Test("stop without an id stops the only active recording")
    func stopOnly() async throws {
        let fake = ContractFake(recordings: [Sample.recording("EG_old", status: .complete), Sample.recording("EG_on", status: .active)])
        let result = await run(["stop"], on: fake)
        #expect(result.code == .ok)
        #expect(result.console.stdout == "Stopped EG_on of !abc:example.org: EGRESS_ENDING.")
        #expect(fake.recordings.first { $0.egressId == "EG_on" }?.status == .ending)
    }

    @Test("stop without an id, several active: lists them, exits 2")
    func stopAmbiguous() async throws {
        let fake = ContractFake(rooms: Self.twoRooms, recordings: [
            Sample.recording("EG_a", status: .active), Sample.recording("EG_b", room: "!xyz:example.org", status: .starting),
        ])
        let result = await run(["stop"], on: fake)
        #expect(result.code == .usage)
        #expect(result.console.stderr.contains("EG_a") && result.console.stderr.contains("EG_b"))
        #expect(!fake.server.requests.contains { $0.path == "/api/recording/stop" })
    }

    @Test("an error from the service: exit 1 and its message")
    func serviceError() async throws {
        let result = await run(["status", "EG_nope"], on: ContractFake())
        #expect(result.code == .failure)
        #expect(result.console.stderr == "room-recording: No such recording.")
        #expect(result.console.stdout.isEmpty)
    }

    @Test("recordings with filters")
    func recordings() async throws {
        let fake = ContractFake(rooms: Self.twoRooms, recordings: [
            Sample.recording("EG_a", status: .active), Sample.recording("EG_b", room: "!xyz:example.org", status: .complete),
        ])
        let result = await run(["recordings", "--room", "!xyz:example.org", "--limit", "10"], on: fake)
        #expect(result.code == .ok)
        #expect(result.console.stdout.contains("EG_b") && !result.console.stdout.contains("EG_a"))
        #expect(fake.server.requests.last?.query == ["roomName": "!xyz:example.org", "limit": "10"])
    }

    @Test("download without an id fetches the latest complete file; the bucket never sees the token")
    func downloadLatest() async throws {
        var missing = Sample.recording("EG_missing", status: .complete)
        missing.file?.missing = true
        let fake = ContractFake(recordings: [
            Sample.recording("EG_live", status: .active), missing,
            Sample.recording("EG_done", status: .complete), Sample.recording("EG_older", status: .complete),
        ])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("room-recording-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("call.mp4")

        let result = await run(["download", "-o", file.path], on: fake, terminal: true)
        #expect(result.code == .ok, "stderr: \(result.console.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == "not really an mp4: EG_done.mp4")
        #expect(!FileManager.default.fileExists(atPath: file.path + ".part"))
        let bucket = try #require(fake.server.requests.first { $0.path.hasPrefix("/bucket/") })
        #expect(bucket.authorization == nil)
        #expect(result.console.progress.last == "\n")
        #expect(result.console.progress.contains { $0.contains("100%") }, "progress: \(result.console.progress)")
    }

    @Test("no progress bar when stdout is not a terminal")
    func downloadQuiet() async throws {
        let fake = ContractFake(recordings: [Sample.recording("EG_done", status: .complete)])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("room-recording-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await run(["download", "EG_done", "-o", file.path], on: fake)
        #expect(result.code == .ok)
        #expect(result.console.progress.isEmpty)
        #expect(result.console.stdout.hasPrefix("Saved EG_done to \(file.path)"))
    }

    @Test("download of a recording still running: the service's not_ready, exit 1, no file")
    func downloadNotReady() async throws {
        let fake = ContractFake(recordings: [Sample.recording("EG_live", status: .active)])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("room-recording-\(UUID().uuidString).mp4")
        let result = await run(["download", "EG_live", "-o", file.path], on: fake)
        #expect(result.code == .failure)
        #expect(result.console.stderr == "room-recording: Still recording.")
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test("delete")
    func delete() async throws {
        let fake = ContractFake(recordings: [Sample.recording("EG_done", status: .complete), Sample.recording("EG_live", status: .active)])
        #expect(await run(["delete", "EG_done"], on: fake).code == .ok)
        let refused = await run(["delete", "EG_live"], on: fake)
        #expect(refused.code == .failure && refused.console.stderr == "room-recording: Stop it first.")
        #expect(fake.recordings.map(\.egressId) == ["EG_live"])
    }
}
