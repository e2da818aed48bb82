/// Anything that answers requests: the `Router`, or the app's middleware wrapped around
/// it (authentication, metrics) as plain Swift. Must not throw: errors are answers too.
public protocol HTTPResponder: Sendable {
    func respond(to request: Request) async -> Response
}

public typealias HTTPHandler = @Sendable (Request) async throws -> Response
