/// Why a request got no HTTP answer. Each code is a different thing to tell the operator:
/// nothing listens, nothing answered in time, the name does not resolve, the peer hung up.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        public var description: String { name }

        /// The peer refused the TCP connection (ECONNREFUSED).
        public static let connectionRefused = Code(name: "connection refused")
        /// No connection within the connect timeout, a silence longer than it, or no whole answer within the request timeout.
        public static let timedOut = Code(name: "timed out")
        /// The host name does not resolve.
        public static let hostNotFound = Code(name: "host not found")
        /// The connection closed (or failed) before a whole answer arrived.
        public static let connectionClosed = Code(name: "connection closed")
        /// The answer could not be parsed, or is larger than allowed.
        public static let invalidResponse = Code(name: "invalid response")
        /// The caller's task was cancelled.
        public static let cancelled = Code(name: "cancelled")
        /// The client was released while the request waited.
        public static let shutdown = Code(name: "client shut down")
        /// Any other failure to connect or send.
        public static let transport = Code(name: "transport failure")
    }

    public let code: Code
    /// For a person: what was tried and what the system said. Never carries headers or bodies.
    public let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? code.description : "\(code): \(detail)" }
}
