import RecordingKit
import RecordingModels

/// `delete EGRESS_ID`
struct DeleteCommand: Command, Equatable {
    static let name = "delete"
    static let summary = "Delete an ended recording's file and record"
    static let usage = """
        room-recording delete EGRESS_ID

        Deletes the file and the record of an ended recording. An active recording must
        be stopped first.
        """

    var egressId: String

    init(egressId: String) { self.egressId = egressId }

    init(parsing arguments: inout ArgumentList) throws(UsageError) {
        guard let id = try arguments.positionals("EGRESS_ID")[0] else { throw UsageError("Which recording? Give its EGRESS_ID.") }
        egressId = id
    }

    func run(in context: CommandContext) async throws -> ExitCode {
        let deleted = try await context.client.delete(egressId: egressId)
        if context.json {
            try context.printJSON(deleted)
        } else {
            context.console.out("Deleted \(deleted.egressId).")
        }
        return .ok
    }
}
