import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecordingKit
import RecordingModels

/// `download [EGRESS_ID] [-o FILE]`: without an id, the latest complete recording.
struct DownloadCommand: Command, Equatable {
    static let name = "download"
    static let summary = "Download a recording's MP4"
    static let usage = """
        room-recording download [EGRESS_ID] [-o FILE]

        Downloads the MP4 of EGRESS_ID through a presigned link, or of the latest
        complete recording without it. FILE defaults to the file's name in the bucket,
        in the current directory. Shows progress on stderr when stdout is a terminal.
        """

    var egressId: String?
    var output: String?

    init(egressId: String? = nil, output: String? = nil) {
        self.egressId = egressId
        self.output = output
    }

    init(parsing arguments: inout ArgumentList) throws(UsageError) {
        output = try arguments.value("-o", "--output")
        egressId = try arguments.positionals("EGRESS_ID")[0]
    }

    func run(in context: CommandContext) async throws -> ExitCode {
        let id = if let egressId { egressId } else { try await latestComplete(context) }
        let link = try await context.client.downloadLink(egressId: id)
        guard let url = URL(string: link.url) else {
            throw CommandFailure(message: "The service gave a download link that is not a URL.")
        }
        let destination = URL(fileURLWithPath: output ?? Self.fileName(from: url, egressId: id))
        let showProgress = context.console.stdoutIsTerminal && !context.json
        let bar = ProgressBar(format: context.format)
        var drawn = ""
        let bytes = try await FileDownload(configuration: context.downloadConfiguration).fetch(url, to: destination) { received, expected in
            guard showProgress else { return }
            // Redraw only when the text changes: a chunk is ~16 kB, a terminal needs far fewer frames.
            let line = bar.line(received: received, expected: expected)
            if line != drawn { context.console.progress(line) }
            drawn = line
        }
        if showProgress { context.console.progress("\n") }
        if context.json {
            try context.printJSON(link)
        } else {
            context.console.out("Saved \(id) to \(destination.path) (\(context.format.size(bytes))).")
        }
        return .ok
    }

    /// The newest recording that ended COMPLETE and whose file is in the bucket.
    private func latestComplete(_ context: CommandContext) async throws -> String {
        let page = try await context.client.list(filter: RecordingFilter(status: .complete, limit: 50))
        guard let latest = page.recordings.first(where: { $0.status == .complete && $0.file?.missing != true }) else {
            throw CommandFailure(message: "No complete recording to download.")
        }
        return latest.egressId
    }

    /// The object's own name (`recordings/room_20240127T120000Z.mp4` → `room_20240127T120000Z.mp4`).
    static func fileName(from url: URL, egressId: String) -> String {
        let name = url.lastPathComponent
        guard !name.isEmpty, name != "/", !name.hasPrefix(".") else { return "\(egressId).mp4" }
        return name
    }
}
