import RecordingKit
import RecordingModels

/// `status EGRESS_ID`
struct StatusCommand: Command, Equatable {
    static let name = "status"
    static let summary = "Show one recording"
    static let usage = """
        room-recording status EGRESS_ID

        Shows the state of one recording: room, status, times, layout, file.
        """

    var egressId: String

    init(egressId: String) { self.egressId = egressId }

    init(parsing arguments: inout ArgumentList) throws(UsageError) {
        guard let id = try arguments.positionals("EGRESS_ID")[0] else { throw UsageError("Which recording? Give its EGRESS_ID.") }
        egressId = id
    }

    func run(in context: CommandContext) async throws -> ExitCode {
        let recording = try await context.client.status(egressId: egressId)
        if context.json {
            try context.printJSON(RecordingStatusResponse(egress: recording))
        } else {
            context.console.out(Self.details(recording, format: context.format).render())
        }
        return .ok
    }

    static func details(_ recording: RecordingInfo, format: Formatting) -> TextTable {
        var rows = [
            ["Egress ID", recording.egressId],
            ["Room", recording.roomName],
            ["Status", recording.status.rawValue],
            ["Started", format.time(recording.startedAt)],
            ["Ended", format.time(recording.endedAt)],
            ["Layout", (recording.layout?.rawValue ?? "-") + (recording.audioOnly ? " (audio only)" : "")],
        ]
        if let file = recording.file {
            let state = if file.missing {
                "missing from the bucket"
            } else if file.size == nil && file.durationMs == nil {
                // Egress uploads when the recording ends; until then the key is only where it will be.
                "not uploaded yet"
            } else {
                "\(format.size(file.size)), \(format.duration(milliseconds: file.durationMs))"
            }
            rows.append(["File", "\(file.key) (\(state))"])
        }
        if let startedBy = recording.startedBy { rows.append(["Started by", startedBy]) }
        if let stoppedBy = recording.stoppedBy { rows.append(["Stopped by", stoppedBy]) }
        if let error = recording.error { rows.append(["Error", error]) }
        return TextTable(headers: ["", ""], rows: rows).withoutHeader
    }
}

extension TextTable {
    /// Key/value rows: the first row is data, not a header.
    var withoutHeader: TextTable {
        guard let first = rows.first else { return self }
        return TextTable(headers: first, rows: Array(rows.dropFirst()))
    }
}
