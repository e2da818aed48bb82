import Synchronization

/// The metrics this service exports, by name, in one place: what an SRE graphs and
/// alerts on. Every name starts with `recording_api_`. Labels never carry room
/// names, egress ids or identities (unbounded cardinality, and personal data).
struct ServiceMetrics: Sendable {
    let registry: MetricsRegistry
    private let httpSeries = HTTPSeriesCache()

    init(registry: MetricsRegistry = MetricsRegistry(), version: String) {
        self.registry = registry
        registry.set("recording_api_build_info", help: "Build information; the value is always 1.", labels: ["version": version], to: 1)
    }

    func httpRequest(method: String, route: String, status: Int, seconds: Double) {
        let series = httpSeries.series(for: HTTPSeriesKey(method: method, route: route, status: status)) { key in
            let labels = ["method": key.method, "route": key.route]
            return (
                registry.counter("recording_api_http_requests_total", help: "HTTP requests answered, by route template, method and status.",
                                 labels: labels.merging(["status": String(key.status)]) { a, _ in a }),
                registry.histogram("recording_api_http_request_duration_seconds", help: "Time to answer HTTP requests.", labels: labels))
        }
        series.requests.add(1)
        series.duration.observe(seconds)
    }

    func recordingStarted() {
        registry.increment("recording_api_recordings_started_total", help: "Recordings started through the API.")
    }

    /// A recording reached a terminal status; `reason` is the status for failures (bounded set).
    func recordingEnded(status: String) {
        registry.increment("recording_api_recordings_ended_total", help: "Recordings that reached a terminal status, by status.", labels: ["status": status])
    }

    func activeRecordings(_ count: Int) {
        registry.set("recording_api_recordings_active", help: "Recordings starting, active or ending, as last counted.", to: Double(count))
    }

    func liveKitCall(method: String, outcome: String, seconds: Double) {
        registry.increment("recording_api_livekit_requests_total", help: "Calls to LiveKit's server API, by method and outcome.",
                           labels: ["method": method, "outcome": outcome])
        registry.observe("recording_api_livekit_request_duration_seconds", help: "Latency of calls to LiveKit.", labels: ["method": method], value: seconds)
    }

    func storageCall(operation: String, outcome: String) {
        registry.increment("recording_api_s3_requests_total", help: "Calls to the S3 bucket, by operation and outcome.",
                           labels: ["operation": operation, "outcome": outcome])
    }

    func webhook(event: String, result: String) {
        registry.increment("recording_api_webhooks_received_total", help: "LiveKit webhooks received, by event and result.",
                           labels: ["event": event, "result": result])
    }

    func reconcileRun(outcome: String, corrections: Int) {
        registry.increment("recording_api_reconcile_runs_total", help: "Reconcile passes, by outcome.", labels: ["outcome": outcome])
        if corrections > 0 {
            registry.increment("recording_api_reconcile_corrections_total", help: "Recordings whose state reconcile corrected.", by: Double(corrections))
        }
    }

    func retentionDeleted(_ count: Int) {
        guard count > 0 else { return }
        registry.increment("recording_api_retention_deleted_total", help: "Recordings removed by retention.", by: Double(count))
    }
}

private struct HTTPSeriesKey: Hashable {
    let method: String
    let route: String
    let status: Int
}

/// The series of each method, route and status seen: one small lookup per request instead
/// of building and hashing label dictionaries twice (bench/: 6% of a `/health` request).
private final class HTTPSeriesCache: Sendable {
    typealias Series = (requests: MetricsRegistry.ValueCell, duration: MetricsRegistry.HistogramCell)

    private let known = Mutex<[HTTPSeriesKey: Series]>([:])

    func series(for key: HTTPSeriesKey, create: (HTTPSeriesKey) -> Series) -> Series {
        if let series = known.withLock({ $0[key] }) { return series }
        let series = create(key)
        known.withLock { $0[key] = series }
        return series
    }
}
