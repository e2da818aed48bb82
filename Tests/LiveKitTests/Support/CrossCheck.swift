import Foundation
import Testing

/// Runs the Python scripts in tools/crosscheck/livekit with `$TEST_PYTHON` (a Python with
/// livekit-api and livekit-protocol). Tests that need it are disabled when it is unset,
/// and fail when `TEST_REQUIRE_INTEGRATION=1` says it must be there.
enum CrossCheck {
    static let environment = ProcessInfo.processInfo.environment

    /// Run the test: Python is there, or its absence must be reported as a failure.
    static var shouldRun: Bool { environment["TEST_PYTHON"] != nil || environment["TEST_REQUIRE_INTEGRATION"] == "1" }

    struct Missing: Error, CustomStringConvertible {
        var description: String { "TEST_PYTHON is not set but TEST_REQUIRE_INTEGRATION=1 requires the LiveKit cross-checks" }
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        let script: String
        let errorOutput: String
        var description: String { "\(script) failed: \(errorOutput)" }
    }

    struct Result {
        let status: Int32
        let output: String
        let errorOutput: String

        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
        }
    }

    static let scriptDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/crosscheck/livekit")

    static func run(_ script: String, _ arguments: [String] = [], input: Any) throws -> Result {
        try run(script, arguments, inputText: String(decoding: try JSONSerialization.data(withJSONObject: input), as: UTF8.self))
    }

    static func run(_ script: String, _ arguments: [String] = [], inputText: String) throws -> Result {
        guard let python = environment["TEST_PYTHON"] else { throw Missing() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [scriptDirectory.appendingPathComponent(script).path] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(inputText.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errorOutput = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self), errorOutput: String(decoding: errorOutput, as: UTF8.self))
    }
}
