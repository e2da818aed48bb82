import RecordingKit
import RecordingModels

/// `start [ROOM] [LAYOUT]`: without a room, the only active room.
struct StartCommand: Command, Equatable {
    static let name = "start"
    static let summary = "Start recording a room"
    static let usage = """
        room-recording start [ROOM] [LAYOUT] [--audio-only] [--preset NAME] [--max-duration SECONDS]

        Starts recording ROOM (a Matrix room id such as '!abc:example.org'; quote it in
        the shell). Without ROOM, records the only active room; if several are active,
        lists them and exits with 2.
        LAYOUT: \(RecordingLayout.allowedValues) (default \(RecordingLayout.default.rawValue)).
        """

    var roomName: String?
    var layout: RecordingLayout?
    var options = StartOptions()

    init(roomName: String? = nil, layout: RecordingLayout? = nil, options: StartOptions = StartOptions()) {
        self.roomName = roomName
        self.layout = layout
        self.options = options
    }

    init(parsing arguments: inout ArgumentList) throws(UsageError) {
        options.audioOnly = arguments.flag("--audio-only") ? true : nil
        options.preset = try arguments.value("--preset")
        options.maxDurationSeconds = try arguments.count("--max-duration")
        let words = try arguments.positionals("ROOM", "LAYOUT")
        roomName = words[0]
        if let text = words[1] {
            guard let layout = RecordingLayout(rawValue: text) else {
                throw UsageError("Unknown layout \"\(text)\"; use one of \(RecordingLayout.allowedValues).")
            }
            self.layout = layout
        }
    }

    func run(in context: CommandContext) async throws -> ExitCode {
        let room = if let roomName { roomName } else { try await onlyActiveRoom(context) }
        let started = try await context.client.start(roomName: room, layout: layout, options: options)
        if context.json {
            try context.printJSON(started)
        } else {
            let layoutName = (started.layout ?? layout ?? .default).rawValue
            context.console.out("Recording \(started.egressId) of \(started.roomName): \(started.status.rawValue), layout \(layoutName), since \(context.format.time(started.startedAt)).")
        }
        return .ok
    }

    private func onlyActiveRoom(_ context: CommandContext) async throws -> String {
        let rooms = try await context.client.rooms()
        switch rooms.count {
        case 0:
            throw CommandFailure(message: "No active room to record.")
        case 1:
            return rooms[0].name
        default:
            context.console.err(context.format.roomsTable(rooms).render())
            throw CommandFailure(message: "\(rooms.count) rooms are active; name the one to record: room-recording start ROOM", exitCode: .usage)
        }
    }
}
