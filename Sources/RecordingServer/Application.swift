import Crypto
import Foundation
import HTTPServer
import LiveKit
import Logging
import RecordingModels
import RecordingService
import RecordingStore
import S3

/// The whole service, wired from its configuration: store, LiveKit and S3 clients,
/// the recording domain, the HTTP routes, and the background work (reconcile,
/// retention). `recording-api`'s `main` only calls `RecordingAPI.main()`.
public enum RecordingAPI {
    public static let version = "1.0.0"

    /// Exit codes: 0 after a graceful shutdown, 78 (EX_CONFIG) for a configuration the
    /// service cannot run with, 1 when a dependency fails at start-up.
    public static func main(environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        let configuration: Configuration
        do {
            configuration = try Configuration.load(from: environment)
        } catch {
            FileHandle.standardError.write(Data("recording-api: \(error)\n".utf8))
            return 78
        }
        let logger = makeLogger(configuration)
        // The sink buffers lines (bench/): none may be lost on the way out.
        defer { logger.flush() }
        do {
            let application = try await Application(configuration: configuration, logger: logger)
            try application.start()
            await application.run()
            return 0
        } catch let error as ConfigurationError {
            logger.critical("\(error)")
            return 78
        } catch {
            logger.critical("Could not start: \(error)")
            return 1
        }
    }

    static func makeLogger(_ configuration: Configuration) -> Logger {
        var secrets: [String] = [configuration.liveKit.apiSecret, configuration.storage.secretKey, configuration.storage.accessKey]
        secrets += configuration.auth.operatorKeys.map(\.key)
        if let token = configuration.auth.metricsToken { secrets.append(token) }
        if case .postgres(let url, _) = configuration.database, let password = URLComponents(string: url)?.password {
            secrets += [password, password.removingPercentEncoding ?? password]
        }
        let sink = RedactingLogSink(wrapping: StandardOutputLogSink(format: configuration.logging.format), secrets: secrets)
        return Logger(label: "recording-api", level: configuration.logging.level, sink: sink)
    }
}

/// The running service and the tasks it owns.
final class Application: Sendable {
    let configuration: Configuration
    let logger: Logger
    let store: any RecordingStore
    let service: RecordingService
    let metrics: ServiceMetrics
    let server: HTTPServer

    init(configuration: Configuration, logger: Logger) async throws {
        self.configuration = configuration
        self.logger = logger
        let metrics = ServiceMetrics(version: RecordingAPI.version)
        self.metrics = metrics
        if configuration.auth.mode == .disabled {
            logger.warning("RECORDING_AUTH=disabled: anyone who can reach this service may start, stop and download recordings")
        }

        store = try RecordingStoreFactory.makeStore(configuration.database, postgresPoolSize: configuration.databasePoolSize)
        try await store.migrate()

        let liveKit = try Self.makeLiveKit(configuration, logger: logger, metrics: metrics)
        let storage = S3Adapter(client: S3Client(configuration: configuration.storage, logger: logger.labelled("s3")), metrics: metrics)
        service = RecordingService(
            store: store, egress: liveKit, rooms: liveKit, storage: storage,
            configuration: try Self.serviceConfiguration(configuration.recording),
            roomNameDigest: { Hex.encode(SHA256.hash($0)) }, logger: logger,
            statusObserver: { recording, _ in
                if recording.status.isTerminal { metrics.recordingEnded(status: recording.status.rawValue) }
            })

        let verifier = TokenVerifier(apiKey: configuration.liveKit.apiKey, apiSecret: configuration.liveKit.apiSecret)
        let store = self.store
        let router = Self.makeRouter(RouteDependencies(
            auth: configuration.auth, service: service, store: store, rooms: liveKit,
            participantTokens: LiveKitParticipantTokens(verifier: verifier), webhooks: WebhookReceiver(verifier: verifier),
            readiness: [
                ReadinessCheck(name: "database") { try await store.ping() },
                // A name no room has: LiveKit answers quickly with an empty list.
                ReadinessCheck(name: "livekit") { _ = try await liveKit.listRooms(names: ["recording-api-readiness-probe"]) },
                ReadinessCheck(name: "bucket") { try await storage.checkBucket() },
            ],
            metrics: metrics, logger: logger))
        server = HTTPServer(
            configuration: Self.httpConfiguration(configuration.listen), responder: router, logger: logger.labelled("http"),
            onResponse: { request, response, duration in
                metrics.httpRequest(
                    method: request.method, route: response.routeTemplate ?? "unmatched", status: response.status,
                    seconds: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
            })
    }

    func start() throws {
        // Before start(): the event-loop threads it creates must not take SIGTERM themselves.
        server.installShutdownSignalHandlers()
        try server.start()
        logger.notice("recording-api \(RecordingAPI.version) ready", [
            "port": String(server.port), "database": configuration.database.description,
            "livekit": configuration.liveKit.url.absoluteString, "bucket": configuration.storage.bucket,
        ])
    }

    /// Serves until SIGTERM/SIGINT, with the background loops alongside.
    func run() async {
        // Not cancelled at the end: cancelling a task that awaits URLSession on Linux can
        // deadlock FoundationNetworking (its cancel handler waits on the session queue while
        // that queue resumes the same task). Seen as a SIGTERM'd replica that logged "stopped"
        // and never exited. The loops simply end with the process.
        _ = Task { await runBackgroundWork() }
        await server.run()
        logger.notice("recording-api stopped")
    }

    private func runBackgroundWork() async {
        await withTaskGroup(of: Void.self) { group in
            // Heals what webhooks missed, every RECORDING_RECONCILE_SECONDS (one replica at a time: a lease).
            group.addTask {
                await self.service.runReconcileLoop { [metrics = self.metrics] round in
                    switch round {
                    case .success(let summary):
                        metrics.reconcileRun(outcome: summary.ran ? "ran" : "skipped", corrections: summary.corrections)
                    case .failure:
                        metrics.reconcileRun(outcome: "failed", corrections: 0)
                    }
                }
            }
            if let days = configuration.recording.retentionDays {
                group.addTask { await self.retentionLoop(days: days) }
            }
        }
    }

    /// Removes recordings older than RECORDING_RETENTION_DAYS: once at start-up, then hourly
    /// (RecordingFilesTests proves retention through the start-up sweep after a restart).
    private func retentionLoop(days: Int) async {
        while !Task.isCancelled {
            do {
                let summary = try await service.sweepRetention(olderThanDays: days)
                metrics.retentionDeleted(summary.removed.count)
            } catch {
                logger.warning("Retention sweep failed: \(error)")
            }
            try? await Task.sleep(for: .seconds(3600))
        }
    }
}

// MARK: - Wiring

extension Application {
    static func makeLiveKit(_ configuration: Configuration, logger: Logger, metrics: ServiceMetrics) throws -> LiveKitAdapter {
        let settings = configuration.liveKit
        let connection = try LiveKitConnection(
            url: settings.url.absoluteString, apiKey: settings.apiKey, apiSecret: settings.apiSecret,
            requestTimeout: TimeInterval(settings.requestTimeoutSeconds))
        return LiveKitAdapter(
            egressClient: EgressClient(connection: connection, logger: logger.labelled("livekit")),
            roomClient: RoomServiceClient(connection: connection, logger: logger.labelled("livekit")),
            upload: configuration.storage,
            metrics: metrics)
    }

    static func serviceConfiguration(_ settings: RecordingSettings) throws -> RecordingServiceConfiguration {
        let template: FileKeyTemplate
        do {
            template = try FileKeyTemplate(settings.fileTemplate)
        } catch {
            throw ConfigurationError(problems: ["RECORDING_FILE_TEMPLATE: \(error)"])
        }
        return RecordingServiceConfiguration(
            defaultLayout: settings.defaultLayout, fileTemplate: template, stopWaitSeconds: Double(settings.stopWaitSeconds),
            reconcileIntervalSeconds: Double(settings.reconcileSeconds), maxDurationCapSeconds: settings.maxDurationSeconds,
            downloadTTLSeconds: Double(settings.downloadTTLSeconds))
    }

    static func httpConfiguration(_ listen: ListenSettings) -> HTTPServerConfiguration {
        HTTPServerConfiguration(
            host: listen.host, port: listen.port, maxBodyBytes: listen.maxBodyBytes,
            connectionTimeout: .seconds(listen.requestTimeoutSeconds), shutdownGracePeriod: .seconds(listen.shutdownGraceSeconds))
    }

    /// Everything the routes need; tests build it from in-memory fakes.
    struct RouteDependencies {
        var auth: AuthSettings
        var service: RecordingService
        var store: any RecordingStore
        var rooms: any LiveKitRooms
        var participantTokens: any ParticipantTokenVerifying
        var webhooks: WebhookReceiver
        var readiness: [ReadinessCheck]
        var metrics: ServiceMetrics
        var logger: Logger
    }

    static func makeRouter(_ dependencies: RouteDependencies) -> Router {
        let auth = dependencies.auth
        let audit = AuditTrail(store: dependencies.store, logger: dependencies.logger.labelled("audit"))
        let gate = AccessGate(
            authenticator: Authenticator(settings: auth, participantTokens: dependencies.participantTokens),
            participantLimiter: RateLimiter(ratePerMinute: auth.participantRatePerMinute, burst: auth.participantBurst),
            operatorLimiter: auth.operatorRatePerMinute.map { RateLimiter(ratePerMinute: $0, burst: max(1, $0 / 6)) },
            rooms: dependencies.rooms, audit: audit, requirePresence: auth.requirePresence)
        let metrics = dependencies.metrics
        let store = dependencies.store
        var router = Router()
        RecordingRoutes(service: dependencies.service, gate: gate, audit: audit, metrics: metrics).register(on: &router)
        WebhookRoutes(receiver: dependencies.webhooks, service: dependencies.service, metrics: metrics).register(on: &router)
        OperationsRoutes(
            checks: dependencies.readiness, checkTimeout: .seconds(2), metrics: metrics, metricsToken: auth.metricsToken,
            beforeScrape: { if let active = try? await store.activeRecordings() { metrics.activeRecordings(active.count) } }
        ).register(on: &router)
        return router
    }
}
