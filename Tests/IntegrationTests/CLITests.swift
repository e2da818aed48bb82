import Foundation
import Testing
import TestSupport

/// The `room-recording` binary run as an operator runs it, against a live stack.
@Suite("End to end: the room-recording CLI", .enabled(if: LiveStack.canRun))
struct CLITests {
    /// The operator's view of one stack: runs the CLI with its URL and token, and checks
    /// after every run that the token was not printed.
    struct Operator {
        let stack: LiveStack
        var token = LiveStack.operatorKey

        /// URL and token from the environment, as the help recommends.
        func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> CLIProcess.Result {
            try await check(CLIProcess.run(arguments, environment: [
                "RECORDING_API_URL": stack.service.baseURL.absoluteString, "RECORDING_API_TOKEN": token,
            ]), sourceLocation: sourceLocation)
        }

        /// URL and token as flags.
        func runWithFlags(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> CLIProcess.Result {
            try await check(CLIProcess.run(["--url", stack.service.baseURL.absoluteString, "--token", token] + arguments),
                            sourceLocation: sourceLocation)
        }

        private func check(_ result: CLIProcess.Result, sourceLocation: SourceLocation) -> CLIProcess.Result {
            #expect(!result.stdout.contains(token) && !result.stderr.contains(token), "the token was printed", sourceLocation: sourceLocation)
            return result
        }

        /// The API's own JSON for a path, to compare `--json` with.
        func api(_ path: String) async throws -> NSDictionary {
            let response = try await stack.client().get(path)
            return try #require(try JSONSerialization.jsonObject(with: response.body) as? NSDictionary)
        }
    }

    static func json(_ text: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary, "not a JSON object: \(text)")
    }

    @Test("one room: list, start without a room, status, recordings, stop without an id, download the latest, delete")
    func oneRoomLifecycle() async throws {
        let room = KitStack.room("cli")
        try await KitStack.with(rooms: [room: ["alice", "bob"]]) { stack in
            let cli = Operator(stack: stack)
            let client = KitStack.client(stack)
            let encodedRoom = room.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!

            // list: the room, its participants, not recorded; --json is the API's object.
            var result = try await cli.run(["list"])
            #expect(result.status == 0, "\(result)")
            let roomLine = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix(room) }, "\(result)")
            #expect(roomLine.contains("2 (alice, bob)") && roomLine.contains("  no  "), "\(roomLine)")
            result = try await cli.runWithFlags(["--json", "list"])
            #expect(result.status == 0, "\(result)")
            #expect(try Self.json(result.stdout) == (try await cli.api("/api/rooms")), "\(result)")

            // start without a room: the only active one.
            result = try await cli.run(["start"])
            #expect(result.status == 0, "\(result)")
            let first = try #require(try await client.list(filter: .init(roomName: room, active: true)).recordings.first)
            #expect(result.stdout.contains("Recording \(first.egressId) of \(room)"), "\(result)")
            try await KitStack.waitForStatus(client, first.egressId) { $0 == .active }

            // Recording: the egress' own (hidden) participant is not one of the people.
            result = try await cli.run(["list"])
            let recordedLine = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix(room) }, "\(result)")
            #expect(recordedLine.contains("2 (alice, bob)  yes") && recordedLine.hasSuffix(first.egressId), "\(recordedLine)")

            // A second start is refused by the service: exit 1, its message, the recording named.
            let refusal = try await stack.client().post("/api/recording/start", object: ["roomName": room])
            let refusalMessage = try #require(refusal.json["error"] as? String)
            result = try await cli.run(["start", room])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains(refusalMessage) && result.stderr.contains(first.egressId), "\(result)")
            #expect(result.stderr.components(separatedBy: first.egressId).count == 2, "the id is said once: \(result)")
            #expect(result.stdout.isEmpty)

            // status ID, as text and as the API's JSON.
            result = try await cli.run(["status", first.egressId])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains(room) && result.stdout.contains("EGRESS_ACTIVE"), "\(result)")
            #expect(result.stdout.contains("(not uploaded yet)"), "\(result)")
            result = try await cli.run(["status", "--json", first.egressId])
            #expect(try Self.json(result.stdout) == (try await cli.api("/api/recording/status/\(first.egressId)")), "\(result)")

            // recordings --room R --active --limit N
            result = try await cli.run(["recordings", "--room", room, "--active", "--limit", "5"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains(first.egressId) && result.stdout.contains("EGRESS_ACTIVE"), "\(result)")
            result = try await cli.run(["--json", "recordings", "--room", room, "--active", "--limit", "5"])
            let listed = try Self.json(result.stdout)
            #expect(listed == (try await cli.api("/api/recording/list?roomName=\(encodedRoom)&active=true&limit=5")), "\(result)")
            #expect((listed["recordings"] as? [NSDictionary])?.count == 1)

            // stop without an id: the only active recording.
            result = try await cli.run(["stop"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("Stopped \(first.egressId) of \(room): EGRESS_COMPLETE"), "\(result)")
            result = try await cli.run(["recordings", "--active"])
            #expect(result.stdout.contains("No recordings."), "\(result)")
            result = try await cli.run(["status", first.egressId])
            let fileLine = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("File") }, "\(result)")
            #expect(fileLine.contains(" kB, ") && !fileLine.contains("not uploaded"), "\(fileLine)")

            // A second, newer recording; download without an id takes it.
            result = try await cli.run(["start", room, "speaker-light"])
            #expect(result.status == 0, "\(result)")
            let second = try #require(try await client.list(filter: .init(roomName: room, active: true)).recordings.first)
            #expect(second.layout == .speakerLight)
            try await KitStack.waitForStatus(client, second.egressId) { $0 == .active }
            result = try await cli.run(["stop", second.egressId])
            #expect(result.status == 0, "\(result)")
            let secondKey = try #require(try await client.status(egressId: second.egressId).file?.key)
            let firstKey = try #require(try await client.status(egressId: first.egressId).file?.key)

            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-download-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let latestFile = directory.appendingPathComponent("latest.mp4")
            result = try await cli.run(["download", "-o", latestFile.path])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("Saved \(second.egressId) to \(latestFile.path)"), "\(result)")
            #expect(try Data(contentsOf: latestFile) == (try await KitStack.objectBytes(stack, key: secondKey)))

            let firstFile = directory.appendingPathComponent("first.mp4")
            result = try await cli.runWithFlags(["--json", "download", first.egressId, "-o", firstFile.path])
            #expect(result.status == 0, "\(result)")
            #expect(try Self.json(result.stdout)["url"] is String, "\(result)")
            let firstBytes = try Data(contentsOf: firstFile)
            #expect(firstBytes.count > 1000)
            #expect(firstBytes == (try await KitStack.objectBytes(stack, key: firstKey)))

            // delete ID; then the service's not-found, exit 1, its message.
            result = try await cli.run(["delete", first.egressId])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("Deleted \(first.egressId)."), "\(result)")
            #expect(try await stack.bucket.headObject(key: firstKey) == nil)
            let notFound = try await stack.client().get("/api/recording/status/\(first.egressId)")
            let notFoundMessage = try #require(notFound.json["error"] as? String)
            result = try await cli.run(["status", first.egressId])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains(notFoundMessage), "\(result)")
        }
    }

    @Test("two rooms: start without a room lists them and exits 2; stop without an id needs exactly one")
    func ambiguousRoomsAndRecordings() async throws {
        let north = KitStack.room("north")
        let south = KitStack.room("south")
        try await KitStack.with(rooms: [north: ["alice"], south: ["bob", "carol"]]) { stack in
            let cli = Operator(stack: stack)
            let client = KitStack.client(stack)

            var result = try await cli.run(["start"])
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.contains(north) && result.stderr.contains(south) && result.stderr.contains("2 rooms are active"), "\(result)")
            #expect(result.stdout.isEmpty)
            #expect(try await client.list().recordings.isEmpty, "an ambiguous start recorded something")

            result = try await cli.run(["stop"])
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("No recording is active"), "\(result)")

            let a = try await client.start(roomName: north)
            let b = try await client.start(roomName: south)
            result = try await cli.run(["stop"])
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.contains(a.egressId) && result.stderr.contains(b.egressId), "\(result)")
            #expect(try await client.list(filter: .init(active: true)).recordings.count == 2, "an ambiguous stop stopped something")
        }
    }

    @Test("a wrong token: exit 1, the service's message and a hint, the token never printed")
    func wrongToken() async throws {
        let room = KitStack.room("auth")
        try await KitStack.with(rooms: [room: ["alice"]]) { stack in
            let wrong = Operator(stack: stack, token: "wrong-token-\(UUID().uuidString)")
            let refused = try await stack.client(bearer: wrong.token).get("/api/rooms")
            let message = try #require(refused.json["error"] as? String)

            for result in [try await wrong.run(["list"]), try await wrong.runWithFlags(["start", room])] {
                #expect(result.status == 1, "\(result)")
                #expect(result.stderr.contains(message) && result.stderr.contains("RECORDING_API_TOKEN"), "\(result)")
            }
            // Unreachable service: exit 1 too, with a sentence, not a usage error.
            let port = try ServiceProcess.freePort()
            let offline = try await CLIProcess.run(["--url", "http://127.0.0.1:\(port)", "list"])
            #expect(offline.status == 1, "\(offline)")
            #expect(offline.stderr.contains("Could not reach the recording service"), "\(offline)")
        }
    }

    @Test("usage errors exit 2 and say what is wrong", arguments: [
        ([], "Which command?"),
        (["bogus"], "Unknown command \"bogus\""),
        (["status"], "Which recording?"),
        (["delete"], "Which recording?"),
        (["recordings", "--limit", "0"], "--limit wants a positive whole number"),
        (["recordings", "--status", "sleeping"], "Unknown status"),
        (["start", "!r:example.org", "mosaic"], "Unknown layout"),
        (["list", "--verbose"], "Unknown option --verbose"),
        (["--url", "ftp://example.org", "list"], "The API URL must be http(s)"),
        (["stop", "EG_1", "EG_2"], "Too many arguments"),
    ])
    func usageErrors(arguments: [String], message: String) async throws {
        // No service behind this URL: a usage error must be found before any request.
        let result = try await CLIProcess.run(arguments, environment: ["RECORDING_API_URL": "http://127.0.0.1:9"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test("--help names every command and option; a command's help is its usage")
    func help() async throws {
        let top = try await CLIProcess.run(["--help"])
        #expect(top.status == 0, "\(top)")
        for word in ["list", "start", "stop", "status", "recordings", "download", "delete",
                     "--url", "--token", "--json", "RECORDING_API_URL", "RECORDING_API_TOKEN", "Exit codes"] {
            #expect(top.stdout.contains(word), "--help does not mention \(word)")
        }
        let start = try await CLIProcess.run(["start", "--help"])
        #expect(start.status == 0 && start.stdout.hasPrefix("usage: room-recording start [ROOM] [LAYOUT]"), "\(start)")
        let download = try await CLIProcess.run(["help", "download"])
        #expect(download.status == 0 && download.stdout.contains("-o FILE"), "\(download)")
    }
}
