import HTTPServer
import RecordingModels
import RecordingModelsJSON
import RecordingService

extension APIError {
    /// The domain's error, answered with the status its kind calls for.
    init(_ error: RecordingServiceError) {
        let status = switch error.kind {
        case .badRequest: 400
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .upstream: 502
        case .unavailable: 503
        case .internal: 500
        }
        var headers: HTTPHeaders = [:]
        // A 503 always tells the client when to come back (LiveKit restarts take seconds).
        let retryAfter = error.retryAfterSeconds ?? (status == 503 ? 5 : nil)
        if let retryAfter { headers.add(name: "Retry-After", value: String(retryAfter)) }
        self.init(status: status, code: error.code, message: error.message, egressId: error.egressId, retryAfterSeconds: retryAfter, headers: headers)
    }

    /// `{"success":false,"code","error", …}` with this error's status and headers.
    var response: Response {
        var response = Response.json(body, status: status)
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}

extension APIError: HTTPResponseError {}
