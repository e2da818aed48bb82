import Foundation
import Testing

@testable import RecordingServer

@Suite("Configuration from the environment")
struct ConfigurationTests {
    static let minimal: [String: String] = [
        "LIVEKIT_URL": "wss://livekit.example.org",
        "LIVEKIT_API_KEY": "APIkey123",
        "LIVEKIT_API_SECRET": "a-very-secret-livekit-secret-value",
        "S3_ENDPOINT": "http://minio.livekit:9000",
        "S3_ACCESS_KEY": "minio-access",
        "S3_SECRET_KEY": "minio-secret-value",
        "RECORDING_API_KEYS": "ops:0123456789abcdef0123",
    ]

    @Test func defaultsMatchTheDesign() throws {
        let configuration = try Configuration.load(from: Self.minimal)
        #expect(configuration.listen.host == "0.0.0.0")
        #expect(configuration.listen.port == 3000)
        #expect(configuration.listen.maxBodyBytes == 65536)
        #expect(configuration.liveKit.url.absoluteString == "https://livekit.example.org")
        #expect(configuration.storage.region == "us-east-1")
        #expect(configuration.storage.bucket == "livekit-recordings")
        #expect(configuration.storage.forcePathStyle)
        #expect(configuration.storage.publicEndpoint == configuration.storage.endpoint)
        #expect(configuration.database == .sqlite(path: "data/recordings.db"))
        #expect(configuration.databasePoolSize == 8)
        #expect(configuration.recording.fileTemplate == "recordings/{room}_{timestamp}.mp4")
        #expect(configuration.recording.defaultLayout == .gridDark)
        #expect(configuration.recording.stopWaitSeconds == 10)
        #expect(configuration.recording.reconcileSeconds == 30)
        #expect(configuration.recording.downloadTTLSeconds == 3600)
        #expect(configuration.recording.retentionDays == nil)
        #expect(configuration.auth.mode == .required)
        #expect(configuration.auth.participantPolicy == .join)
        #expect(configuration.auth.requirePresence)
        #expect(configuration.auth.participantRatePerMinute == 10)
        #expect(configuration.auth.participantBurst == 5)
        #expect(configuration.auth.operatorKeys.map(\.name) == ["ops"])
    }

    @Test(arguments: [
        ("ws://lk:7880", "http://lk:7880"), ("wss://lk.example.org/", "https://lk.example.org/"),
        ("http://127.0.0.1:7880", "http://127.0.0.1:7880"), ("https://h/livekit", "https://h/livekit"),
    ])
    func liveKitURLSchemes(given: String, read: String) throws {
        var environment = Self.minimal
        environment["LIVEKIT_URL"] = given
        #expect(try Configuration.load(from: environment).liveKit.url.absoluteString == read)
    }

    @Test(arguments: ["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY"])
    func missingRequiredVariableIsNamed(variable: String) {
        var environment = Self.minimal
        environment[variable] = nil
        #expect {
            try Configuration.load(from: environment)
        } throws: { error in
            "\(error)".contains(variable)
        }
    }

    @Test(arguments: [
        ("PORT", "seventy"), ("PORT", "70000"), ("LIVEKIT_URL", "ftp://lk"), ("LIVEKIT_URL", "not a url"),
        ("S3_FORCE_PATH_STYLE", "maybe"), ("RECORDING_DEFAULT_LAYOUT", "mosaic"), ("RECORDING_AUTH", "off"),
        ("RECORDING_STOP_WAIT_SECONDS", "-1"), ("LOG_LEVEL", "loud"), ("RECORDING_PARTICIPANT_POLICY", "all"),
        ("DATABASE_POOL_SIZE", "0"), ("DATABASE_POOL_SIZE", "many"),
    ])
    func malformedValueIsNamed(variable: String, value: String) {
        var environment = Self.minimal
        environment[variable] = value
        #expect {
            try Configuration.load(from: environment)
        } throws: { error in
            "\(error)".contains(variable)
        }
    }

    @Test func databasePoolSizeIsRead() throws {
        var environment = Self.minimal
        environment["DATABASE_POOL_SIZE"] = "3"
        #expect(try Configuration.load(from: environment).databasePoolSize == 3)
    }

    @Test func everyProblemIsReportedAtOnce() {
        #expect {
            try Configuration.load(from: ["PORT": "x"])
        } throws: { error in
            let problems = (error as? ConfigurationError)?.problems ?? []
            return problems.count >= 7
        }
    }

    @Test func secretsNeverAppearInProblems() {
        var environment = Self.minimal
        environment["LIVEKIT_URL"] = nil
        environment["RECORDING_API_KEYS"] = "short-key"
        #expect {
            try Configuration.load(from: environment)
        } throws: { error in
            let text = "\(error)"
            return !text.contains("a-very-secret-livekit-secret-value") && !text.contains("short-key")
                && !text.contains("minio-secret-value") && text.contains("shorter than 16")
        }
    }

    @Test func operatorKeysFromListAndFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try "# operators\nci:ffffffffffffffffffff\n\nalice:eeeeeeeeeeeeeeeeeeee\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var environment = Self.minimal
        environment["RECORDING_API_KEYS"] = "0123456789abcdef0123, ops:abcdefabcdefabcdefab"
        environment["RECORDING_API_KEYS_FILE"] = file.path
        let keys = try Configuration.load(from: environment).auth.operatorKeys
        #expect(keys.map(\.name) == ["key1", "ops", "ci", "alice"])
        #expect(keys.map(\.key) == ["0123456789abcdef0123", "abcdefabcdefabcdefab", "ffffffffffffffffffff", "eeeeeeeeeeeeeeeeeeee"])
    }

    @Test func nobodyCanGetInIsRefused() {
        var environment = Self.minimal
        environment["RECORDING_API_KEYS"] = nil
        environment["RECORDING_PARTICIPANT_POLICY"] = "none"
        #expect(throws: ConfigurationError.self) { try Configuration.load(from: environment) }
    }
}
