import RecordingKit
import RecordingModels

/// `stop [EGRESS_ID]`: without an id, the only active recording.
struct StopCommand: Command, Equatable {
    static let name = "stop"
    static let summary = "Stop a recording"
    static let usage = """
        room-recording stop [EGRESS_ID]

        Stops the recording EGRESS_ID. Without it, stops the only active recording; if
        several are active, lists them and exits with 2. Stopping an ended recording is
        not an error: it reports its final state.
        """

    var egressId: String?

    init(egressId: String? = nil) { self.egressId = egressId }

    init(parsing arguments: inout ArgumentList) throws(UsageError) {
        egressId = try arguments.positionals("EGRESS_ID")[0]
    }

    func run(in context: CommandContext) async throws -> ExitCode {
        let id = if let egressId { egressId } else { try await onlyActiveRecording(context) }
        let stopped = try await context.client.stop(egressId: id)
        if context.json {
            try context.printJSON(stopped)
        } else {
            let ended = stopped.endedAt.map { ", ended \(context.format.time($0))" } ?? ""
            context.console.out("Stopped \(stopped.egressId) of \(stopped.roomName): \(stopped.status.rawValue)\(ended).")
        }
        return .ok
    }

    private func onlyActiveRecording(_ context: CommandContext) async throws -> String {
        let active = try await context.client.list(filter: RecordingFilter(active: true, limit: 100)).recordings
        switch active.count {
        case 0:
            throw CommandFailure(message: "No recording is active.")
        case 1:
            return active[0].egressId
        default:
            context.console.err(context.format.recordingsTable(active).render())
            throw CommandFailure(message: "\(active.count) recordings are active; name the one to stop: room-recording stop EGRESS_ID", exitCode: .usage)
        }
    }
}
