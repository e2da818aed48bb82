import Foundation

/// One request to the client's host: the path (with any query, percent-encoded) and
/// what goes with it. `Host` and `Content-Length` are added by the client.
public struct HTTPClientRequest: Sendable {
    public enum Method: Sendable {
        case get, post, put, delete
    }

    public var method: Method
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(method: Method = .get, path: String, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

/// The status and body of an answer (the headers are not kept: no caller reads them yet).
public struct HTTPClientResponse: Sendable, Equatable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}
