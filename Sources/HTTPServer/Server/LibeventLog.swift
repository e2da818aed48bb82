import CLibEvent
import Logging
import Synchronization

/// libevent prints its own warnings (evdns: "Nameserver … has failed", accept errors, …)
/// straight to stderr as `[warn] …` lines, in the middle of the JSON log. Once routed, they
/// go through the server's logger like every other line. One route for the whole process:
/// libevent keeps a single callback.
enum LibeventLog {
    private static let logger = Mutex<Logger?>(nil)

    static func route(to logger: Logger) {
        self.logger.withLock { $0 = logger.with(["component": "libevent"]) }
        event_set_log_callback(forward)
    }

    fileprivate static func write(severity: Int32, message: String) {
        guard let logger = logger.withLock({ $0 }) else { return }
        switch severity {
        case EVENT_LOG_DEBUG: logger.debug(message)
        case EVENT_LOG_MSG: logger.info(message)
        case EVENT_LOG_WARN: logger.warning(message)
        default: logger.error(message)
        }
    }
}

private func forward(_ severity: Int32, _ message: UnsafePointer<CChar>?) {
    LibeventLog.write(severity: severity, message: message.map { String(cString: $0) } ?? "")
}
