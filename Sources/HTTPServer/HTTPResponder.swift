/// Anything that answers requests: the `Router`, or the app's middleware wrapped around
/// it (authentication, metrics) as plain Swift. Must not throw: errors are answers too.
public protocol HTTPResponder: Sendable {
    func respond(to request: Request) async -> Response

    /// The answer when it needs no waiting (a constant, an error), computed on the event
    /// loop without starting a task; nil sends the request to `respond(to:)`. Must be
    /// quick and never block: it runs on the thread that reads every connection of the loop.
    func immediateResponse(to request: Request) -> Response?
}

extension HTTPResponder {
    public func immediateResponse(to request: Request) -> Response? { nil }
}

public typealias HTTPHandler = @Sendable (Request) async throws -> Response

/// A handler that never awaits (`/health`): the router answers it on the event loop, with
/// no task per request (bench/: the task and its hops were a tenth of a `/health` request).
/// It runs outside any task, so no `LogContext` scope carries the request id: log through
/// `request.logger`.
public typealias HTTPImmediateHandler = @Sendable (Request) throws -> Response
