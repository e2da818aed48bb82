import RecordingKit
import RecordingModels

/// `list`: LiveKit's active rooms, and which are being recorded.
struct ListCommand: Command, Equatable {
    static let name = "list"
    static let summary = "Active rooms: participants, and whether each is being recorded"
    static let usage = """
        room-recording list [--json]

        Lists LiveKit's active rooms with their participants and recording state.
        """

    init() {}

    init(parsing arguments: inout ArgumentList) throws(UsageError) {
        _ = try arguments.positionals()
    }

    func run(in context: CommandContext) async throws -> ExitCode {
        let rooms = try await context.client.rooms()
        if context.json {
            try context.printJSON(RoomsResponse(rooms: rooms))
        } else if rooms.isEmpty {
            context.console.out("No active rooms.")
        } else {
            context.console.out(context.format.roomsTable(rooms).render())
        }
        return .ok
    }
}
