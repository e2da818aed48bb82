import Foundation

// Everything lives in `RoomRecording`, so tests run the same code without a process.
let exitCode = await RoomRecording.run(
    arguments: Array(CommandLine.arguments.dropFirst()),
    environment: ProcessInfo.processInfo.environment,
    console: .standard)
exit(exitCode.rawValue)
