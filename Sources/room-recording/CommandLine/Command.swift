import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecordingKit

/// One subcommand of `room-recording`: parses its own arguments, runs against the API.
protocol Command: Sendable {
    static var name: String { get }
    /// One line for the top-level help.
    static var summary: String { get }
    /// The command's own help (after "usage: room-recording").
    static var usage: String { get }
    init(parsing arguments: inout ArgumentList) throws(UsageError)
    func run(in context: CommandContext) async throws -> ExitCode
}

enum ExitCode: Int32, Sendable {
    case ok = 0
    /// The service said no (or could not be reached): its message was printed.
    case failure = 1
    case usage = 2
}

/// A failure of the CLI's own making (nothing to stop, ambiguous room, file not writable).
struct CommandFailure: Error {
    var message: String
    var exitCode: ExitCode = .failure
}

/// What a command runs with.
struct CommandContext: Sendable {
    var client: RecordingClient
    var console: Console
    var json: Bool
    /// For fetching presigned links: a session of its own, never with our bearer token.
    var downloadConfiguration: URLSessionConfiguration
    var timeZone: TimeZone

    var format: Formatting { Formatting(timeZone: timeZone) }

    /// Prints a wire object as the server's JSON (one line, for `jq`).
    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        console.out(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
