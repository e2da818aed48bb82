/// Why the server could not start.
public struct HTTPServerError: Error, CustomStringConvertible, Equatable {
    public let description: String

    static func cannotResolve(host: String, port: Int, reason: String) -> HTTPServerError {
        HTTPServerError(description: "cannot resolve listen address \(host):\(port): \(reason); set HOST to an IP address or a resolvable name")
    }
    static func cannotBind(host: String, port: Int, reason: String) -> HTTPServerError {
        HTTPServerError(description: "cannot listen on \(host):\(port): \(reason); pick another PORT or stop the process using it")
    }
    static func libevent(_ what: String) -> HTTPServerError {
        HTTPServerError(description: "libevent could not \(what) (out of memory or file descriptors?)")
    }
    static let alreadyStarted = HTTPServerError(description: "the server was already started; create a new HTTPServer to start again")
}
