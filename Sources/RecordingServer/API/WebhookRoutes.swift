import HTTPServer
import LiveKit
import RecordingModels
import RecordingService

/// `POST /webhooks/livekit`: LiveKit's egress events, verified with LiveKit's own
/// signature scheme (no bearer token). Deliveries repeat, arrive out of order or
/// never arrive; the domain's single transition function makes each one safe to
/// apply, and reconcile heals the ones that never came.
struct WebhookRoutes: Sendable {
    let receiver: WebhookReceiver
    let service: RecordingService
    let metrics: ServiceMetrics

    static let egressEvents: Set<String> = ["egress_started", "egress_updated", "egress_ended"]

    func register(on router: inout Router) {
        router.on("POST", "/webhooks/livekit") { request in await receive(request) }
    }

    func receive(_ request: Request) async -> Response {
        let event: WebhookEvent
        do {
            event = try receiver.receive(body: request.body, authorization: request.headers["Authorization"])
        } catch {
            metrics.webhook(event: "unknown", result: "rejected")
            request.logger.warning("Rejected a webhook: \(error)")
            return APIError(
                status: 401, code: APIErrorCode.unauthorized,
                message: "The webhook's signature does not verify with this service's LiveKit API key and secret.").response
        }
        let logger = request.logger.with(["webhook.event": event.event, "webhook.id": event.id])
        guard Self.egressEvents.contains(event.event), let info = event.egressInfo else {
            metrics.webhook(event: Self.metricName(event.event), result: "ignored")
            logger.debug("Ignored a webhook that is not about egress")
            return accepted(event)
        }
        do {
            _ = try await service.apply(EgressSnapshot(info), from: .webhook)
            metrics.webhook(event: event.event, result: "applied")
            return accepted(event)
        } catch {
            // Answer non-2xx so LiveKit retries; reconcile covers it if retries run out.
            metrics.webhook(event: event.event, result: "failed")
            logger.error("Could not apply a webhook: \(error)", ["egress.id": info.egressId])
            return APIError(error).response
        }
    }

    private func accepted(_ event: WebhookEvent) -> Response {
        (try? Response.json(WebhookAccepted(success: true, event: event.event))) ?? Response(status: 200)
    }

    /// Event names from LiveKit are a small fixed set; anything else is bucketed so labels stay bounded.
    private static func metricName(_ event: String) -> String {
        let known: Set<String> = egressEvents.union(["room_started", "room_finished", "participant_joined", "participant_left",
                                                     "track_published", "track_unpublished", "ingress_started", "ingress_ended"])
        return known.contains(event) ? event : "other"
    }

    struct WebhookAccepted: Encodable {
        let success: Bool
        let event: String
    }
}
