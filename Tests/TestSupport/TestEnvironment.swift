import Foundation

/// The real parts integration tests run against, found through the `TEST_*`
/// variables that `scripts/test.sh` sets after starting them. A test that needs a
/// part missing from the environment is disabled, unless `TEST_REQUIRE_INTEGRATION=1`
/// (as in `make test` and CI), where it runs and fails: a green CI must never hide
/// a skipped integration suite.
public enum TestEnvironment {
    public static var variables: [String: String] { ProcessInfo.processInfo.environment }

    public static var requireIntegration: Bool { variables["TEST_REQUIRE_INTEGRATION"] == "1" }

    /// True when the test should run: the variables are set, or they are required (then the test fails on them).
    public static func canRun(needing names: String...) -> Bool {
        requireIntegration || names.allSatisfy { variables[$0]?.isEmpty == false }
    }

    /// The variable's value, or a thrown error naming it.
    public static func value(_ name: String) throws -> String {
        guard let value = variables[name], !value.isEmpty else { throw MissingTestVariable(name: name) }
        return value
    }

    public static func url(_ name: String) throws -> URL {
        guard let url = URL(string: try value(name)) else { throw MissingTestVariable(name: name) }
        return url
    }

    /// The repository root, found from this file's location.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python interpreter with LiveKit's packages, boto3 and moto (the repo's `.venv`).
    public static func python() throws -> String {
        if let configured = variables["TEST_PYTHON"], !configured.isEmpty { return configured }
        throw MissingTestVariable(name: "TEST_PYTHON")
    }
}

public struct MissingTestVariable: Error, CustomStringConvertible {
    public let name: String
    public var description: String {
        "\(name) is not set: run the suite through `make test` (scripts/test.sh starts the real parts and sets it)."
    }
}
