import Foundation
import Logging
import RecordingModels
import RecordingStore
import S3

/// Everything the service reads from its environment, read once at start-up
/// (twelve-factor). Nothing below `RecordingServer` looks at the environment.
/// docs/operations.md documents every variable; keep the two in step.
public struct Configuration: Sendable {
    public var listen: ListenSettings
    public var logging: LoggingSettings
    public var liveKit: LiveKitSettings
    /// The bucket Egress uploads to; the same settings go into every Egress request.
    public var storage: S3Configuration
    public var database: DatabaseURL
    /// PostgreSQL connections for writes and background work (reads from requests add up to
    /// `PostgresDatabase.connectionsPerLoop` per event loop). Unused with SQLite.
    public var databasePoolSize: Int
    public var recording: RecordingSettings
    public var auth: AuthSettings

    /// Reads and validates the environment; throws one error listing every problem.
    public static func load(from environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> Configuration {
        var reader = EnvironmentReader(environment)
        let configuration = Configuration(
            listen: .init(reading: &reader),
            logging: .init(reading: &reader),
            liveKit: .init(reading: &reader),
            storage: readStorage(&reader),
            database: readDatabase(&reader),
            databasePoolSize: reader.integer("DATABASE_POOL_SIZE", default: PostgresRecordingStore.defaultPoolSize, range: 1...100),
            recording: .init(reading: &reader),
            auth: .init(reading: &reader)
        )
        configuration.auth.checkUsable(&reader)
        guard reader.problems.isEmpty else { throw ConfigurationError(problems: reader.problems) }
        return configuration
    }
}

public struct ListenSettings: Sendable {
    public var host: String
    public var port: Int
    /// The API's body limit (JSON 413 above it).
    public var maxBodyBytes: Int
    public var requestTimeoutSeconds: Int
    public var shutdownGraceSeconds: Int

    init(reading env: inout EnvironmentReader) {
        host = env.string("HOST", default: "0.0.0.0")
        port = env.integer("PORT", default: 3000, range: 0...65535)
        maxBodyBytes = env.integer("MAX_BODY_BYTES", default: 64 * 1024, range: 1024...(16 * 1024 * 1024))
        requestTimeoutSeconds = env.integer("REQUEST_TIMEOUT_SECONDS", default: 30, range: 1...3600)
        shutdownGraceSeconds = env.integer("SHUTDOWN_GRACE_SECONDS", default: 10, range: 0...600)
    }
}

public struct LoggingSettings: Sendable {
    public var level: Logger.Level
    public var format: LogFormat

    init(reading env: inout EnvironmentReader) {
        level = env.choice("LOG_LEVEL", default: .info, Dictionary(uniqueKeysWithValues: Logger.Level.allCases.map { ($0.description, $0) }))
        // People at a terminal get text; log collectors (no TTY, the container) get JSON lines.
        let fallback: LogFormat = isatty(STDOUT_FILENO) == 1 ? .text : .json
        format = env.choice("LOG_FORMAT", default: fallback, ["json": .json, "text": .text])
    }
}

public struct LiveKitSettings: Sendable {
    /// The server's HTTP base (`ws(s)://` already read as `http(s)://`).
    public var url: URL
    public var apiKey: String
    public var apiSecret: String
    public var requestTimeoutSeconds: Int

    init(reading env: inout EnvironmentReader) {
        url = env.url("LIVEKIT_URL", required: true, acceptWebSocket: true, meaning: "the LiveKit server, e.g. wss://livekit.example.org")
            ?? URL(string: "http://invalid")!
        apiKey = env.required("LIVEKIT_API_KEY", "the LiveKit API key (as in LiveKit's `keys:` config)")
        apiSecret = env.required("LIVEKIT_API_SECRET", "the secret of LIVEKIT_API_KEY")
        requestTimeoutSeconds = env.integer("LIVEKIT_TIMEOUT_SECONDS", default: 10, range: 1...120)
    }
}

extension Configuration {
    static func readStorage(_ env: inout EnvironmentReader) -> S3Configuration {
        let endpoint = env.url("S3_ENDPOINT", required: true, meaning: "the S3/MinIO endpoint Egress uploads to, e.g. http://minio.livekit:9000")
            ?? URL(string: "http://invalid")!
        return S3Configuration(
            endpoint: endpoint,
            // The host put into download links: the in-cluster endpoint is often unreachable from phones.
            publicEndpoint: env.url("S3_PUBLIC_ENDPOINT", required: false, meaning: ""),
            region: env.string("S3_REGION", default: "us-east-1"),
            bucket: env.string("S3_BUCKET", default: "livekit-recordings"),
            accessKey: env.required("S3_ACCESS_KEY", "the access key Egress and this service use for the bucket"),
            secretKey: env.required("S3_SECRET_KEY", "the secret of S3_ACCESS_KEY"),
            forcePathStyle: env.boolean("S3_FORCE_PATH_STYLE", default: true))
    }

    static func readDatabase(_ env: inout EnvironmentReader) -> DatabaseURL {
        do {
            return try DatabaseURL(parsing: env.string("DATABASE_URL", default: "sqlite://data/recordings.db"))
        } catch {
            env.problem("\(error)")
            return .sqlite(path: "data/recordings.db")
        }
    }
}

public struct RecordingSettings: Sendable {
    public var fileTemplate: String
    public var defaultLayout: RecordingLayout
    public var stopWaitSeconds: Int
    public var reconcileSeconds: Int
    public var maxDurationSeconds: Int?
    public var downloadTTLSeconds: Int
    public var retentionDays: Int?

    init(reading env: inout EnvironmentReader) {
        fileTemplate = env.string("RECORDING_FILE_TEMPLATE", default: "recordings/{room}_{timestamp}.mp4")
        defaultLayout = env.choice(
            "RECORDING_DEFAULT_LAYOUT", default: .default,
            Dictionary(uniqueKeysWithValues: RecordingLayout.allCases.map { ($0.rawValue, $0) }))
        stopWaitSeconds = env.integer("RECORDING_STOP_WAIT_SECONDS", default: 10, range: 0...120)
        reconcileSeconds = env.integer("RECORDING_RECONCILE_SECONDS", default: 30, range: 1...3600)
        maxDurationSeconds = env.optionalInteger("RECORDING_MAX_DURATION_SECONDS", range: 1...(7 * 24 * 3600))
        downloadTTLSeconds = env.integer("RECORDING_DOWNLOAD_TTL_SECONDS", default: 3600, range: 1...604_800)
        retentionDays = env.optionalInteger("RECORDING_RETENTION_DAYS", range: 1...36_500)
    }
}

public struct AuthSettings: Sendable {
    public enum Mode: String, Sendable { case required, disabled }
    /// What a LiveKit participant token must grant to use the API for its room.
    public enum ParticipantPolicy: String, Sendable {
        /// `roomJoin` for the room.
        case join
        /// `roomJoin` plus `roomAdmin` or `roomRecord`.
        case admin
        /// Participant tokens are refused; only operator keys work.
        case none
    }

    public var mode: Mode
    /// Operator keys by name; the name goes into the audit trail, the key nowhere.
    public var operatorKeys: [OperatorKey]
    public var participantPolicy: ParticipantPolicy
    public var requirePresence: Bool
    /// Starts/stops/layout changes per participant and room per minute, and the burst allowed.
    public var participantRatePerMinute: Int
    public var participantBurst: Int
    public var operatorRatePerMinute: Int?
    public var metricsToken: String?

    init(reading env: inout EnvironmentReader) {
        mode = env.choice("RECORDING_AUTH", default: .required, ["required": .required, "disabled": .disabled])
        operatorKeys = Self.readOperatorKeys(&env)
        participantPolicy = env.choice("RECORDING_PARTICIPANT_POLICY", default: .join, ["join": .join, "admin": .admin, "none": .none])
        requirePresence = env.boolean("RECORDING_REQUIRE_PRESENCE", default: true)
        participantRatePerMinute = env.integer("RECORDING_RATE_LIMIT", default: 10, range: 1...100_000)
        participantBurst = env.integer("RECORDING_RATE_BURST", default: 5, range: 1...100_000)
        operatorRatePerMinute = env.optionalInteger("RECORDING_OPERATOR_RATE_LIMIT", range: 1...1_000_000)
        metricsToken = env.raw("METRICS_TOKEN")
    }

    func checkUsable(_ env: inout EnvironmentReader) {
        if mode == .required, operatorKeys.isEmpty, participantPolicy == .none {
            env.problem("RECORDING_AUTH=required with no RECORDING_API_KEYS and RECORDING_PARTICIPANT_POLICY=none lets nobody in; set an operator key or allow participant tokens.")
        }
    }

    /// `RECORDING_API_KEYS` (comma-separated, each `name:key` or a bare key) and
    /// `RECORDING_API_KEYS_FILE` (one `name:key` per line, `#` comments).
    private static func readOperatorKeys(_ env: inout EnvironmentReader) -> [OperatorKey] {
        var keys: [OperatorKey] = []
        if let list = env.raw("RECORDING_API_KEYS") {
            let entries = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for (index, entry) in entries.enumerated() {
                keys.append(OperatorKey(entry: entry, fallbackName: "key\(index + 1)"))
            }
        }
        if let path = env.raw("RECORDING_API_KEYS_FILE") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                env.problem("RECORDING_API_KEYS_FILE=\(path) cannot be read.")
                return keys
            }
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            for (index, line) in lines.enumerated() where !line.isEmpty && !line.hasPrefix("#") {
                guard line.contains(":") else {
                    env.problem("RECORDING_API_KEYS_FILE line \(index + 1) is not name:key.")
                    continue
                }
                keys.append(OperatorKey(entry: line, fallbackName: "file\(index + 1)"))
            }
        }
        for key in keys where key.key.count < 16 {
            env.problem("The operator key named \(key.name) is shorter than 16 characters; use a long random key (e.g. openssl rand -hex 32).")
        }
        return keys
    }
}

public struct OperatorKey: Sendable {
    public var name: String
    public var key: String

    init(entry: String, fallbackName: String) {
        if let colon = entry.firstIndex(of: ":") {
            name = String(entry[..<colon])
            key = String(entry[entry.index(after: colon)...])
        } else {
            name = fallbackName
            key = entry
        }
    }
}
