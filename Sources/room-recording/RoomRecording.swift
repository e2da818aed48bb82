import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecordingKit

/// The operator CLI: parses the command line, runs one command on RecordingKit,
/// maps the outcome to an exit code (0 ok, 1 the service said no, 2 usage).
enum RoomRecording {
    static let commands: [any Command.Type] = [
        ListCommand.self, StartCommand.self, StopCommand.self, StatusCommand.self,
        RecordingsCommand.self, DownloadCommand.self, DeleteCommand.self,
    ]

    /// What the command line asks for.
    enum Invocation {
        /// Print this help and exit 0.
        case help(String)
        case run(any Command, GlobalOptions)
    }

    static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError) -> Invocation {
        var list = ArgumentList(arguments)
        let options = try GlobalOptions.parse(&list, environment: environment)
        guard let name = list.popWord() else {
            if options.help { return .help(topLevelHelp) }
            throw UsageError("Which command?")
        }
        if name == "help" {
            guard let topic = list.popWord() else { return .help(topLevelHelp) }
            return .help(help(for: try command(named: topic)))
        }
        let type = try command(named: name)
        if options.help { return .help(help(for: type)) }
        do {
            return .run(try type.init(parsing: &list), options)
        } catch {
            throw UsageError("\(error.message)\n\nusage: \(type.usage)")
        }
    }

    static func run(
        arguments: [String],
        environment: [String: String],
        console: Console,
        session: URLSession = .shared,
        downloadConfiguration: URLSessionConfiguration = .default,
        timeZone: TimeZone = .current
    ) async -> ExitCode {
        let invocation: Invocation
        do {
            invocation = try parse(arguments, environment: environment)
        } catch {
            console.err("room-recording: \(error.message)")
            if !error.message.contains("usage:") { console.err("Try 'room-recording --help'.") }
            return .usage
        }
        switch invocation {
        case .help(let text):
            console.out(text)
            return .ok
        case .run(let command, let options):
            let token = options.token
            let client = RecordingClient(baseURL: options.baseURL, token: { token }, session: session)
            let context = CommandContext(
                client: client, console: console, json: options.json,
                downloadConfiguration: downloadConfiguration, timeZone: timeZone)
            return await execute(command, in: context)
        }
    }

    static func execute(_ command: any Command, in context: CommandContext) async -> ExitCode {
        do {
            return try await command.run(in: context)
        } catch let error as RecordingError {
            context.console.err("room-recording: \(describe(error))")
            return .failure
        } catch let failure as CommandFailure {
            context.console.err("room-recording: \(failure.message)")
            return failure.exitCode
        } catch {
            context.console.err("room-recording: \(error.localizedDescription)")
            return .failure
        }
    }

    /// The server's message, plus what the CLI knows to add.
    static func describe(_ error: RecordingError) -> String {
        switch error {
        case .alreadyRecording(let egressId?, let message) where !message.contains(egressId): "\(message) (recording \(egressId))"
        case .unauthorized(let message): "\(message) Set RECORDING_API_TOKEN or pass --token."
        default: error.message
        }
    }

    private static func command(named name: String) throws(UsageError) -> any Command.Type {
        guard let type = commands.first(where: { $0.name == name }) else {
            throw UsageError("Unknown command \"\(name)\".")
        }
        return type
    }

    static func help(for type: any Command.Type) -> String {
        "usage: \(type.usage)\n\n\(globalOptionsHelp)"
    }

    static var topLevelHelp: String {
        let width = commands.map { $0.name.count }.max() ?? 0
        let lines = commands.map { "  \($0.name)\(String(repeating: " ", count: width - $0.name.count))  \($0.summary)" }
        return """
            usage: room-recording [OPTIONS] COMMAND [ARGS]

            Operates the Recording API: starts, stops, lists and downloads LiveKit room recordings.

            Commands:
            \(lines.joined(separator: "\n"))

            \(globalOptionsHelp)

            'room-recording COMMAND --help' describes a command. Exit codes: 0 ok, 1 the
            service refused or failed (its message is printed), 2 usage.
            """
    }

    static let globalOptionsHelp = """
        Options:
          --url URL      the Recording API (env RECORDING_API_URL, default \(GlobalOptions.defaultURL))
          --token TOKEN  bearer token (env RECORDING_API_TOKEN, preferred: a flag shows in 'ps')
          --json         print the service's JSON objects instead of tables
          -h, --help     this help
        """
}
