import Foundation
import HTTPServer
import Logging

// Minimal entry point until the server wiring lands: GET /health on HOST:PORT.
let environment = ProcessInfo.processInfo.environment
let logger = Logger(label: "recording-api", sink: StandardOutputLogSink(format: .json))
var router = Router()
router.on("GET", "/health") { _ in
    Response(status: 200, headers: ["Content-Type": "application/json"], body: .bytes(Array(#"{"status":"ok"}"#.utf8)))
}
let configuration = HTTPServerConfiguration(
    host: environment["HOST"] ?? "0.0.0.0",
    port: environment["PORT"].flatMap(Int.init) ?? 3000)
let server = HTTPServer(configuration: configuration, responder: router, logger: logger)
do {
    try server.start()
} catch {
    logger.critical("cannot start", ["error": String(describing: error)])
    exit(1)
}
server.installShutdownSignalHandlers()
await server.run()
