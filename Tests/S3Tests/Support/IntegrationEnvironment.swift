import Foundation
import Testing

/// Integration tests find the real parts through environment variables. Missing
/// means "skip", unless TEST_REQUIRE_INTEGRATION=1, where missing means FAIL
/// (the test runs and `required` records the failure).
enum IntegrationEnvironment {
    static var requireIntegration: Bool { ProcessInfo.processInfo.environment["TEST_REQUIRE_INTEGRATION"] == "1" }

    static func isSet(_ name: String) -> Bool {
        !(ProcessInfo.processInfo.environment[name] ?? "").isEmpty
    }

    /// For `.enabled(if:)`: run when the variables are there or when they are mandatory.
    static func runs(with names: String...) -> Bool {
        requireIntegration || names.allSatisfy(isSet)
    }

    static func required(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            Issue.record("\(name) is not set but TEST_REQUIRE_INTEGRATION=1", sourceLocation: sourceLocation)
            throw MissingVariable(name: name)
        }
        return value
    }

    struct MissingVariable: Error { let name: String }

    /// The repository root, found from this file's path (tests run from anywhere).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Runs one of the Python helpers in tools/crosscheck/s3 with TEST_PYTHON.
enum PythonHelper {
    static func script(_ name: String) -> String {
        IntegrationEnvironment.repositoryRoot.appending(path: "tools/crosscheck/s3/\(name)").path
    }

    /// Runs to completion and returns stdout; a non-zero exit fails with stderr.
    /// stderr goes to a file, so a chatty child cannot block on a full pipe.
    static func run(python: String, script name: String, arguments: [String]) throws -> Data {
        let errorFile = FileManager.default.temporaryDirectory.appending(path: "s3-helper-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script(name)] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            throw HelperFailed(script: name, status: process.terminationStatus, stderr: stderr)
        }
        return data
    }

    struct HelperFailed: Error, CustomStringConvertible {
        let script: String
        let status: Int32
        let stderr: String
        var description: String { "\(script) exited \(status): \(stderr)" }
    }
}

/// A moto server that checks signatures (tools/crosscheck/s3/moto_auth.py),
/// alive until `stop()` closes its stdin.
final class VerifyingMotoServer {
    let endpoint: URL
    let accessKey: String
    let secretKey: String
    let bucket: String
    private let process: Process
    private let input: Pipe

    init(python: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [PythonHelper.script("moto_auth.py")]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line += byte
        }
        struct Started: Decodable { let endpoint: String; let access_key: String; let secret_key: String; let bucket: String }
        let started = try JSONDecoder().decode(Started.self, from: line)
        endpoint = try #require(URL(string: started.endpoint))
        accessKey = started.access_key
        secretKey = started.secret_key
        bucket = started.bucket
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
