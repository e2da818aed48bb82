import Foundation
import HTTPServer
import Logging

// Minimal entry point until the server wiring lands: GET /health on HOST:PORT.

/// Routes are built outside top-level code: a closure written there is main-actor
/// isolated, and every request would hop to the main thread and back.
func makeRouter() -> Router {
    var router = Router()
    router.on("GET", "/health") { _ in
        Response(status: 200, headers: ["Content-Type": "application/json"], body: .bytes(Array(#"{"status":"ok"}"#.utf8)))
    }
    return router
}

let environment = ProcessInfo.processInfo.environment
let logger = Logger(
    label: "recording-api",
    level: environment["LOG_LEVEL"].flatMap(Logger.Level.init(name:)) ?? .info,
    sink: StandardOutputLogSink(format: .json))
var configuration = HTTPServerConfiguration(
    host: environment["HOST"] ?? "0.0.0.0",
    port: environment["PORT"].flatMap(Int.init) ?? 3000)
// For bench/http.sh: one loop against one per core.
if let loops = environment["HTTP_EVENT_LOOPS"].flatMap(Int.init) { configuration.eventLoopCount = loops }
let server = HTTPServer(configuration: configuration, responder: makeRouter(), logger: logger)
do {
    try server.start()
} catch {
    logger.critical("cannot start", ["error": String(describing: error)])
    exit(1)
}
server.installShutdownSignalHandlers()
await server.run()
