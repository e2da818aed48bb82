import Logging

/// Maps method and path to a handler. Built once at start-up, then shared.
///
/// - Templates have `{name}` segments; literal segments win over parameters.
/// - Unknown path: 404 `route_not_found`. Known path, other method: 405
///   `method_not_allowed` with `Allow`.
/// - `HEAD` runs the `GET` handler (the server drops the body) unless a `HEAD` handler
///   exists; `OPTIONS` answers 204 with `Allow` unless an `OPTIONS` handler exists.
/// - A thrown `HTTPResponseError` becomes its JSON error; any other error is logged with
///   the request id and answered 500 `internal_error` with no detail.
/// - Routes added with `onImmediate` and every answer the router gives itself (404, 405,
///   OPTIONS) come from `immediateResponse(to:)`: the server sends them without a task.
public struct Router: HTTPResponder, Sendable {
    private enum Handler: Sendable {
        case waiting(HTTPHandler)
        case immediate(HTTPImmediateHandler)
    }

    private struct Route: Sendable {
        let template: RouteTemplate
        var handlers: [String: Handler]
    }

    /// What a request comes to before any handler runs.
    private enum Resolution {
        case answered(Response)
        case handler(Handler, Request)
    }

    private var routes: [Route] = []
    /// Routes whose template has no parameter, by their path: such a route is always the
    /// most specific match, and finding it needs neither splitting the path nor a scan.
    private var literalRoutes: [String: Int] = [:]

    public init() {}

    public mutating func on(_ method: String, _ template: String, _ handler: @escaping HTTPHandler) {
        add(method, template, .waiting(handler))
    }

    /// A route whose handler never awaits: answered on the event loop (see `HTTPImmediateHandler`).
    public mutating func onImmediate(_ method: String, _ template: String, _ handler: @escaping HTTPImmediateHandler) {
        add(method, template, .immediate(handler))
    }

    private mutating func add(_ method: String, _ template: String, _ handler: Handler) {
        let method = method.uppercased()
        if let index = routes.firstIndex(where: { $0.template.text == template }) {
            precondition(routes[index].handlers[method] == nil, "route registered twice: \(method) \(template)")
            routes[index].handlers[method] = handler
        } else {
            let route = RouteTemplate(template)
            if route.segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
                literalRoutes[template] = routes.count
            }
            routes.append(Route(template: route, handlers: [method: handler]))
        }
    }

    public func respond(to request: Request) async -> Response {
        switch resolve(request) {
        case .answered(let response):
            return response
        case .handler(.waiting(let handler), let routed):
            return Self.tagged(await Self.run(handler, with: routed), routed)
        case .handler(.immediate(let handler), let routed):
            return Self.tagged(Self.run(handler, with: routed), routed)
        }
    }

    public func immediateResponse(to request: Request) -> Response? {
        switch resolve(request) {
        case .answered(let response): response
        case .handler(.waiting, _): nil
        case .handler(.immediate(let handler), let routed): Self.tagged(Self.run(handler, with: routed), routed)
        }
    }

    private static func tagged(_ response: Response, _ request: Request) -> Response {
        var response = response
        response.routeTemplate = request.routeTemplate
        return response
    }

    private func resolve(_ request: Request) -> Resolution {
        guard request.path.hasPrefix("/") else { return .answered(.error(HTTPServerResponseError.routeNotFound)) }
        if let index = literalRoutes[request.path] {
            return resolve(request, route: routes[index], parameters: [:])
        }
        let pathSegments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
        guard let route = bestRoute(for: pathSegments) else { return .answered(.error(HTTPServerResponseError.routeNotFound)) }
        guard let parameters = route.template.parameters(in: pathSegments) else {
            return .answered(Self.tagged(.error(HTTPServerResponseError.invalidPathParameter), route))
        }
        return resolve(request, route: route, parameters: parameters)
    }

    private func resolve(_ request: Request, route: Route, parameters: [String: String]) -> Resolution {
        guard let handler = handler(for: request.method, in: route) else {
            let allowed = allowedMethods(route)
            if request.method == "OPTIONS" {
                return .answered(Self.tagged(Response(status: 204, headers: ["Allow": allowed.joined(separator: ", ")]), route))
            }
            return .answered(Self.tagged(.error(HTTPServerResponseError.methodNotAllowed(method: request.method, allowed: allowed)), route))
        }
        var routed = request
        routed.pathParameters = parameters
        routed.routeTemplate = route.template.text
        return .handler(handler, routed)
    }

    private static func tagged(_ response: Response, _ route: Route) -> Response {
        var response = response
        response.routeTemplate = route.template.text
        return response
    }

    private func bestRoute(for pathSegments: [Substring]) -> Route? {
        routes.filter { $0.template.matches(pathSegments) }
            .min { $0.template.isMoreSpecific(than: $1.template) }
    }

    private func handler(for method: String, in route: Route) -> Handler? {
        if let handler = route.handlers[method] { return handler }
        return method == "HEAD" ? route.handlers["GET"] : nil
    }

    private func allowedMethods(_ route: Route) -> [String] {
        var methods = Set(route.handlers.keys)
        if methods.contains("GET") { methods.insert("HEAD") }
        methods.insert("OPTIONS")
        return methods.sorted()
    }

    static func run(_ handler: HTTPHandler, with request: Request) async -> Response {
        do {
            return try await handler(request)
        } catch {
            return answer(to: error, from: request)
        }
    }

    static func run(_ handler: HTTPImmediateHandler, with request: Request) -> Response {
        do {
            return try handler(request)
        } catch {
            return answer(to: error, from: request)
        }
    }

    private static func answer(to error: any Error, from request: Request) -> Response {
        if let error = error as? any HTTPResponseError { return .error(error) }
        request.logger.error("handler failed", ["error": String(describing: error), "route": request.routeTemplate ?? "-"])
        return .error(status: 500, code: "internal_error", message: "Something went wrong on our side; retry later or report the request id.")
    }
}
