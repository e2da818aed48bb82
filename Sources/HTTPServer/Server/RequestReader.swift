import CLibEvent
import Logging

/// Turns what evhttp parsed into a `Request`, applying the API's own limits (JSON errors)
/// below libevent's backstops (HTML errors).
enum RequestReader {
    enum Outcome {
        case accepted(Request)
        /// Answered without calling the responder; the request is still good for logs.
        case rejected(Request, HTTPServerResponseError)
    }

    static func read(_ raw: UnsafeMutablePointer<evhttp_request>, context: ServerContext, ids: inout RequestIDGenerator) -> Outcome {
        let limits = context.configuration
        let method = methodName(evhttp_request_get_command(raw))
        let target = evhttp_request_get_uri(raw).map { String(cString: $0) } ?? "/"
        let (headers, headerBytes) = readHeaders(evhttp_request_get_input_headers(raw))
        let remote = remoteAddress(evhttp_request_get_connection(raw))
        let requestId = ids.make(from: headers["X-Request-Id"])
        let input = evhttp_request_get_input_buffer(raw)
        let bodyLength = input.map { evbuffer_get_length($0) } ?? 0

        /// The request without query or body: enough to log and answer a rejection.
        func minimal() -> Request {
            Request(
                method: method, path: Request.split(target: target).path, queryItems: [], headers: headers, body: [],
                remoteAddress: remote, requestId: requestId, logger: context.logger)
        }
        if headerBytes > limits.maxHeaderBytes {
            return .rejected(minimal(), .headersTooLarge(limit: limits.maxHeaderBytes))
        }
        if bodyLength > limits.maxBodyBytes {
            return .rejected(minimal(), .payloadTooLarge(limit: limits.maxBodyBytes))
        }
        let body = input.map { copyBody($0, length: bodyLength) } ?? []
        do {
            return .accepted(try Request(
                method: method, target: target, headers: headers, body: body,
                remoteAddress: remote, requestId: requestId, logger: context.logger))
        } catch {
            return .rejected(minimal(), error)
        }
    }

    static func methodName(_ command: evhttp_cmd_type) -> String {
        switch command {
        case EVHTTP_REQ_GET: "GET"
        case EVHTTP_REQ_POST: "POST"
        case EVHTTP_REQ_HEAD: "HEAD"
        case EVHTTP_REQ_PUT: "PUT"
        case EVHTTP_REQ_DELETE: "DELETE"
        case EVHTTP_REQ_OPTIONS: "OPTIONS"
        case EVHTTP_REQ_TRACE: "TRACE"
        case EVHTTP_REQ_CONNECT: "CONNECT"
        case EVHTTP_REQ_PATCH: "PATCH"
        default: "UNKNOWN"
        }
    }

    /// The fields in order, and their size as sent (`name: value\r\n`).
    private static func readHeaders(_ list: UnsafeMutablePointer<evkeyvalq>?) -> (HTTPHeaders, Int) {
        var headers = HTTPHeaders()
        var size = 0
        var field = list.flatMap { shim_evkeyvalq_first($0) }
        while let current = field {
            let name = String(cString: current.pointee.key), value = String(cString: current.pointee.value)
            size += name.utf8.count + value.utf8.count + 4
            headers.add(name: name, value: value)
            field = shim_evkeyval_next(current)
        }
        return (headers, size)
    }

    private static func remoteAddress(_ connection: OpaquePointer?) -> String {
        guard let connection else { return "" }
        var address: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &address, &port)
        return address.map { String(cString: $0) } ?? ""
    }

    private static func copyBody(_ buffer: OpaquePointer, length: Int) -> [UInt8] {
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { bytes, count in
            count = max(0, evbuffer_copyout(buffer, bytes.baseAddress, length))
        }
    }
}
