import Crypto
import Foundation
import HTTPServer
import RecordingModels

/// One dependency `/ready` asks: its name and a cheap call that throws when it is down.
struct ReadinessCheck: Sendable {
    let name: String
    let probe: @Sendable () async throws -> Void
}

/// `/health`, `/ready`, `/metrics`, `/openapi.json`: what platforms and operators poll.
struct OperationsRoutes: Sendable {
    let checks: [ReadinessCheck]
    /// How long one readiness probe may take before its dependency counts as down.
    let checkTimeout: Duration
    let metrics: ServiceMetrics
    let metricsToken: String?
    /// Refreshes gauges (e.g. active recordings) right before a scrape.
    let beforeScrape: @Sendable () async -> Void

    func register(on router: inout Router) {
        // Constants: answered on the event loop, no task per request.
        router.onImmediate("GET", "/health") { _ in Self.health }
        router.on("GET", "/ready") { _ in await ready() }
        router.on("GET", "/metrics") { request in await scrape(request) }
        router.onImmediate("GET", "/openapi.json") { _ in
            Response(status: 200, headers: ["Content-Type": "application/json"], body: .bytes(OpenAPIDocument.bytes))
        }
    }

    /// Liveness is polled all the time (bench/: a sixth of a request's CPU went into encoding it): encoded once.
    private static let health: Response = (try? .json(HealthResponse()))
        ?? Response(status: 200, headers: ["Content-Type": "application/json"], body: .bytes(Array(#"{"status":"ok"}"#.utf8)))

    struct Readiness: Encodable {
        struct Check: Encodable {
            let ok: Bool
            let error: String?
            let latencyMs: Int
        }

        let status: String
        let checks: [String: Check]
    }

    /// 200 only when every dependency answers; otherwise 503 naming the ones that did not.
    func ready() async -> Response {
        let results = await withTaskGroup(of: (String, Readiness.Check).self) { group in
            for check in checks {
                group.addTask { (check.name, await run(check)) }
            }
            var results: [String: Readiness.Check] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
        let allOK = results.values.allSatisfy(\.ok)
        let body = Readiness(status: allOK ? "ready" : "unavailable", checks: results)
        return (try? Response.json(body, status: allOK ? 200 : 503)) ?? Response(status: 503)
    }

    private func run(_ check: ReadinessCheck) async -> Readiness.Check {
        let started = ContinuousClock.now
        let timeout = checkTimeout
        let outcome: String? = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await check.probe()
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return "no answer within \(timeout)"
            }
            let first = await group.next() ?? "no answer"
            group.cancelAll()
            return first
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return Readiness.Check(ok: outcome == nil, error: outcome, latencyMs: milliseconds)
    }

    func scrape(_ request: Request) async -> Response {
        if let metricsToken {
            let presented = request.headers["Authorization"].flatMap { Authenticator.bearerToken($0) } ?? ""
            guard ConstantTime.equals(presented, metricsToken) else { return APIError.unauthorized.response }
        }
        await beforeScrape()
        return Response(
            status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: .bytes(Array(metrics.registry.render().utf8)))
    }
}
