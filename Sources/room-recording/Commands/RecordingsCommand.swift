import RecordingKit
import RecordingModels

/// `recordings [--room R] [--active] [--status S] [--limit N] [--cursor C]`
struct RecordingsCommand: Command, Equatable {
    static let name = "recordings"
    static let summary = "List recordings, newest first"
    static let usage = """
        room-recording recordings [--room ROOM] [--active] [--status STATUS] [--limit N] [--cursor CURSOR]

        Lists recordings, newest first. --active: only those still holding their room.
        STATUS: \(RecordingStatus.allCases.map { $0.rawValue }.joined(separator: ", ")).
        When there are more, the cursor for the next page is printed on stderr.
        """

    var filter = RecordingFilter()

    init(filter: RecordingFilter = RecordingFilter()) { self.filter = filter }

    init(parsing arguments: inout ArgumentList) throws(UsageError) {
        filter.roomName = try arguments.value("--room")
        filter.active = arguments.flag("--active") ? true : nil
        filter.limit = try arguments.count("--limit")
        filter.cursor = try arguments.value("--cursor")
        if let text = try arguments.value("--status") {
            guard let status = RecordingStatus(rawValue: text.uppercased()) ?? RecordingStatus(rawValue: "EGRESS_" + text.uppercased()) else {
                throw UsageError("Unknown status \"\(text)\".")
            }
            filter.status = status
        }
        _ = try arguments.positionals()
    }

    func run(in context: CommandContext) async throws -> ExitCode {
        let page = try await context.client.list(filter: filter)
        if context.json {
            try context.printJSON(page)
            return .ok
        }
        if page.recordings.isEmpty {
            context.console.out("No recordings.")
        } else {
            context.console.out(context.format.recordingsTable(page.recordings).render())
        }
        if let next = page.nextCursor {
            context.console.err("More: room-recording recordings --cursor '\(next)'")
        }
        return .ok
    }
}
