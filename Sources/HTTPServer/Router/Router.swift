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
public struct Router: HTTPResponder, Sendable {
    private struct Route: Sendable {
        let template: RouteTemplate
        var handlers: [String: HTTPHandler]
    }

    private var routes: [Route] = []

    public init() {}

    public mutating func on(_ method: String, _ template: String, _ handler: @escaping HTTPHandler) {
        let method = method.uppercased()
        if let index = routes.firstIndex(where: { $0.template.text == template }) {
            precondition(routes[index].handlers[method] == nil, "route registered twice: \(method) \(template)")
            routes[index].handlers[method] = handler
        } else {
            routes.append(Route(template: RouteTemplate(template), handlers: [method: handler]))
        }
    }

    public func respond(to request: Request) async -> Response {
        let pathSegments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
        guard request.path.hasPrefix("/"), let route = bestRoute(for: pathSegments) else {
            return .error(HTTPServerResponseError.routeNotFound)
        }
        var response = await respond(to: request, route: route, pathSegments: pathSegments)
        response.routeTemplate = route.template.text
        return response
    }

    private func respond(to request: Request, route: Route, pathSegments: [Substring]) async -> Response {
        guard let parameters = route.template.parameters(in: pathSegments) else {
            return .error(HTTPServerResponseError.invalidPathParameter)
        }
        guard let handler = handler(for: request.method, in: route) else {
            let allowed = allowedMethods(route)
            if request.method == "OPTIONS" {
                return Response(status: 204, headers: ["Allow": allowed.joined(separator: ", ")])
            }
            return .error(HTTPServerResponseError.methodNotAllowed(method: request.method, allowed: allowed))
        }
        var routed = request
        routed.pathParameters = parameters
        routed.routeTemplate = route.template.text
        return await Self.run(handler, with: routed)
    }

    private func bestRoute(for pathSegments: [Substring]) -> Route? {
        routes.filter { $0.template.matches(pathSegments) }
            .min { $0.template.isMoreSpecific(than: $1.template) }
    }

    private func handler(for method: String, in route: Route) -> HTTPHandler? {
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
        } catch let error as any HTTPResponseError {
            return .error(error)
        } catch {
            request.logger.error("handler failed", ["error": String(describing: error), "route": request.routeTemplate ?? "-"])
            return .error(status: 500, code: "internal_error", message: "Something went wrong on our side; retry later or report the request id.")
        }
    }
}
