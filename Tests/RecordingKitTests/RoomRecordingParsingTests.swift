import Foundation
import Testing
@testable import room_recording
import RecordingKit
import RecordingModels

@Suite("room-recording: the command line")
struct RoomRecordingParsingTests {
    struct Parsed: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var environment: [String: String] = [:]
        var command: any Command & Equatable
        var url = GlobalOptions.defaultURL
        var token: String? = nil
        var json = false
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let parsed: [Parsed] = [
        Parsed(arguments: ["list"], command: ListCommand()),
        Parsed(arguments: ["--json", "list"], command: ListCommand(), json: true),
        Parsed(arguments: ["list", "--json"], command: ListCommand(), json: true),
        Parsed(arguments: ["start"], command: StartCommand()),
        Parsed(arguments: ["start", "!abc:example.org"], command: StartCommand(roomName: "!abc:example.org")),
        Parsed(
            arguments: ["start", "!abc:example.org", "speaker-light", "--audio-only", "--preset", "H264_720P_30", "--max-duration=600"],
            command: StartCommand(roomName: "!abc:example.org", layout: .speakerLight, options: StartOptions(audioOnly: true, preset: "H264_720P_30", maxDurationSeconds: 600))),
        Parsed(arguments: ["start", "--", "-odd-room"], command: StartCommand(roomName: "-odd-room")),
        Parsed(arguments: ["stop"], command: StopCommand()),
        Parsed(arguments: ["stop", "EG_1"], command: StopCommand(egressId: "EG_1")),
        Parsed(arguments: ["status", "EG_1"], command: StatusCommand(egressId: "EG_1")),
        Parsed(arguments: ["recordings"], command: RecordingsCommand()),
        Parsed(
            arguments: ["recordings", "--room", "!a:b.c", "--active", "--limit", "5", "--cursor=abc="],
            command: RecordingsCommand(filter: RecordingFilter(roomName: "!a:b.c", active: true, limit: 5, cursor: "abc="))),
        Parsed(arguments: ["recordings", "--status", "complete"], command: RecordingsCommand(filter: RecordingFilter(status: .complete))),
        Parsed(arguments: ["recordings", "--status", "EGRESS_FAILED"], command: RecordingsCommand(filter: RecordingFilter(status: .failed))),
        Parsed(arguments: ["download"], command: DownloadCommand()),
        Parsed(arguments: ["download", "-o", "call.mp4"], command: DownloadCommand(output: "call.mp4")),
        Parsed(arguments: ["download", "EG_1", "--output=call.mp4"], command: DownloadCommand(egressId: "EG_1", output: "call.mp4")),
        Parsed(arguments: ["delete", "EG_1"], command: DeleteCommand(egressId: "EG_1")),
        Parsed(
            arguments: ["--url", "https://rec.example.org", "--token", "s3cret", "list"],
            command: ListCommand(), url: "https://rec.example.org", token: "s3cret"),
        Parsed(
            arguments: ["list"], environment: ["RECORDING_API_URL": "http://10.0.0.2:3000", "RECORDING_API_TOKEN": "from-env"],
            command: ListCommand(), url: "http://10.0.0.2:3000", token: "from-env"),
        Parsed(
            arguments: ["list", "--url=http://flag:1", "--token", "from-flag"],
            environment: ["RECORDING_API_URL": "http://env:2", "RECORDING_API_TOKEN": "from-env"],
            command: ListCommand(), url: "http://flag:1", token: "from-flag"),
        Parsed(arguments: ["list"], environment: ["RECORDING_API_URL": "", "RECORDING_API_TOKEN": ""], command: ListCommand()),
    ]

    static func same<C: Command & Equatable>(_ expected: C, _ actual: any Command) -> Bool { (actual as? C) == expected }

    @Test("commands and options", arguments: parsed)
    func parses(_ row: Parsed) throws {
        guard case .run(let command, let options) = try RoomRecording.parse(row.arguments, environment: row.environment) else {
            Issue.record("not a command")
            return
        }
        let matches = Self.same(row.command, command)
        #expect(matches, "got \(command)")
        #expect(options.baseURL.absoluteString == row.url)
        #expect(options.token == row.token)
        #expect(options.json == row.json)
    }

    @Test("usage errors exit 2 and say what is wrong", arguments: [
        ([], "Which command?"),
        (["frob"], "Unknown command \"frob\"."),
        (["status"], "Which recording?"),
        (["delete"], "Which recording?"),
        (["status", "EG_1", "EG_2"], "Too many arguments: EG_2"),
        (["stop", "a", "b"], "Too many arguments: b"),
        (["start", "!a:b", "bogus"], "Unknown layout \"bogus\""),
        (["list", "--bogus"], "Unknown option --bogus."),
        (["list", "extra"], "No arguments expected, got: extra"),
        (["recordings", "--limit", "0"], "--limit wants a positive whole number"),
        (["recordings", "--limit"], "--limit needs a value."),
        (["recordings", "--status", "nope"], "Unknown status \"nope\"."),
        (["start", "--max-duration", "ten"], "--max-duration wants a positive whole number"),
        (["--url", "ftp://host", "list"], "The API URL must be http(s)://host[:port]"),
        (["--url", "localhost:3000", "list"], "The API URL must be http(s)://host[:port]"),
        (["help", "frob"], "Unknown command \"frob\"."),
    ] as [([String], String)])
    func usageErrors(arguments: [String], message: String) async throws {
        #expect(throws: UsageError.self) { try RoomRecording.parse(arguments, environment: [:]) }
        let console = CapturingConsole()
        let code = await RoomRecording.run(arguments: arguments, environment: [:], console: console.console)
        #expect(code == .usage)
        #expect(console.stderr.contains(message), "stderr: \(console.stderr)")
        #expect(console.stdout.isEmpty)
    }

    @Test("--help everywhere", arguments: [
        (["--help"], "usage: room-recording [OPTIONS] COMMAND"),
        (["-h"], "usage: room-recording [OPTIONS] COMMAND"),
        (["help"], "usage: room-recording [OPTIONS] COMMAND"),
        (["help", "start"], "usage: room-recording start [ROOM] [LAYOUT]"),
        (["start", "--help"], "usage: room-recording start [ROOM] [LAYOUT]"),
        (["list", "--help"], "usage: room-recording list"),
        (["stop", "-h"], "usage: room-recording stop [EGRESS_ID]"),
        (["status", "--help"], "usage: room-recording status EGRESS_ID"),
        (["recordings", "--help"], "usage: room-recording recordings [--room ROOM]"),
        (["download", "--help"], "usage: room-recording download [EGRESS_ID] [-o FILE]"),
        (["delete", "--help"], "usage: room-recording delete EGRESS_ID"),
    ] as [([String], String)])
    func help(arguments: [String], expected: String) async {
        let console = CapturingConsole()
        let code = await RoomRecording.run(arguments: arguments, environment: [:], console: console.console)
        #expect(code == .ok)
        #expect(console.stdout.hasPrefix(expected), "stdout: \(console.stdout)")
        #expect(console.stdout.contains("--url URL"))
    }

    @Test("the top-level help names every command")
    func topLevelHelpListsCommands() {
        for command in RoomRecording.commands {
            #expect(RoomRecording.topLevelHelp.contains("  \(command.name)  ") || RoomRecording.topLevelHelp.contains("  \(command.name) "))
        }
    }
}

@Suite("room-recording: output")
struct RoomRecordingOutputTests {
    let format = Formatting(timeZone: TimeZone(identifier: "UTC")!)

    @Test("tables align columns and trim trailing blanks")
    func table() {
        let table = TextTable(headers: ["A", "LONGER", "C"], rows: [["wide cell", "x", ""], ["b", "yy", "z"]])
        #expect(table.render() == """
            A          LONGER  C
            wide cell  x
            b          yy      z
            """)
    }

    @Test("recordings as a table, in local time")
    func recordingsTable() {
        var complete = Sample.recording("EG_1", status: .complete)
        complete.file?.durationMs = 61_000
        let active = Sample.recording("EG_22", room: "!xyz:example.org", status: .active)
        #expect(format.recordingsTable([complete, active]).render() == """
            EGRESS ID  ROOM              STATUS           STARTED              ENDED                DURATION  SIZE
            EG_1       !abc:example.org  EGRESS_COMPLETE  2024-01-27 12:00:00  2024-01-27 12:01:00  1:01      1.2 kB
            EG_22      !xyz:example.org  EGRESS_ACTIVE    2024-01-27 12:00:00  -                    -         -
            """)
        let berlin = Formatting(timeZone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(berlin.time(Sample.t0) == "2024-01-27 13:00:00")
    }

    @Test("rooms as a table")
    func roomsTable() {
        let rooms = [
            RoomSummary(name: "!abc:example.org", numParticipants: 2, participants: ["alice", "bob"], createdAt: Sample.t0, recording: true, egressId: "EG_1"),
            RoomSummary(name: "!q:x.y", numParticipants: 0, participants: [], createdAt: nil, recording: false, egressId: nil),
        ]
        #expect(format.roomsTable(rooms).render() == """
            ROOM              PARTICIPANTS    RECORDING  EGRESS ID
            !abc:example.org  2 (alice, bob)  yes        EG_1
            !q:x.y            0               no         -
            """)
    }

    @Test("sizes and durations", arguments: [
        (Int64(0), "0 B"), (999, "999 B"), (1000, "1.0 kB"), (1_234_567, "1.2 MB"), (5_000_000_000, "5.0 GB"),
    ])
    func sizes(bytes: Int64, text: String) {
        #expect(format.size(bytes) == text)
    }

    @Test("durations", arguments: [(Int64(0), "0:00"), (59_999, "0:59"), (61_000, "1:01"), (3_723_000, "1:02:03")])
    func durations(milliseconds: Int64, text: String) {
        #expect(format.duration(milliseconds: milliseconds) == text)
    }

    @Test("status as key and value lines")
    func statusDetails() {
        var recording = Sample.recording("EG_1", status: .failed, error: "Chrome crashed.")
        recording.file = nil
        recording.startedBy = "alice"
        #expect(StatusCommand.details(recording, format: format).render() == """
            Egress ID   EG_1
            Room        !abc:example.org
            Status      EGRESS_FAILED
            Started     2024-01-27 12:00:00
            Ended       2024-01-27 12:01:00
            Layout      grid-dark
            Started by  alice
            Error       Chrome crashed.
            """)
    }

    @Test("progress bar", arguments: [
        (Int64(0), Int64?(1000), "\r[..........]   0%  0 B / 1.0 kB"),
        (500, 1000, "\r[#####.....]  50%  500 B / 1.0 kB"),
        (1000, 1000, "\r[##########] 100%  1.0 kB / 1.0 kB"),
        (1_500_000, nil, "\r1.5 MB"),
    ])
    func progress(received: Int64, expected: Int64?, line: String) {
        #expect(ProgressBar(width: 10, format: format).line(received: received, expected: expected) == line)
    }

    @Test("the download's file name is the object's", arguments: [
        ("http://s3:9000/livekit-recordings/recordings/abc-example.org_20240127T120000Z.mp4?X-Amz-Signature=x", "abc-example.org_20240127T120000Z.mp4"),
        ("http://s3:9000/", "EG_1.mp4"),
        ("http://s3:9000/bucket/..", "EG_1.mp4"),
    ])
    func fileName(link: String, name: String) {
        #expect(DownloadCommand.fileName(from: URL(string: link)!, egressId: "EG_1") == name)
    }
}

/// Collects what the CLI prints.
final class CapturingConsole: Sendable {
    private let lines = Synchronization.Mutex<(out: [String], err: [String], progress: [String])>(([], [], []))
    let stdoutIsTerminal: Bool

    init(terminal: Bool = false) { stdoutIsTerminal = terminal }

    var console: Console {
        Console(
            out: { line in self.lines.withLock { $0.out.append(line) } },
            err: { line in self.lines.withLock { $0.err.append(line) } },
            progress: { text in self.lines.withLock { $0.progress.append(text) } },
            stdoutIsTerminal: stdoutIsTerminal)
    }

    var stdout: String { lines.withLock { $0.out.joined(separator: "\n") } }
    var stderr: String { lines.withLock { $0.err.joined(separator: "\n") } }
    var progress: [String] { lines.withLock { $0.progress } }
}

import Synchronization
