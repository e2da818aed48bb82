import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecordingKit
import RecordingModels
import Synchronization
import TestSupport

/// What RecordingKit's end-to-end suites share: clients of a `LiveStack`, and waiting
/// for the real (asynchronous) egress to reach a state.
enum KitStack {
    /// Runs `body` on a stack of its own and stops the stack after it, also when it throws.
    /// (A `defer { Task { await stack.stop() } }` may never run before the test process
    /// exits, which leaves the emulator and the service running.)
    static func with(
        rooms: [String: [String]], isolation: isolated (any Actor)? = #isolation,
        _ body: (LiveStack) async throws -> Void
    ) async throws {
        let stack = try await LiveStack(rooms: rooms)
        do {
            try await body(stack)
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    /// Retries fast: the real server answers in milliseconds, tests should not wait 0.5 s.
    static let quickRetry = RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.2)

    static func client(_ stack: LiveStack, token: String? = LiveStack.operatorKey, session: URLSession = .shared,
                       retry: RetryPolicy = quickRetry) -> RecordingClient {
        RecordingClient(baseURL: stack.service.baseURL, token: { token }, session: session, retryPolicy: retry)
    }

    /// Polls the status until `predicate` holds (the emulator takes ~0.3 s per transition).
    @discardableResult
    static func waitForStatus(
        _ client: RecordingClient, _ egressId: String, timeout: TimeInterval = 8,
        until predicate: @Sendable (RecordingStatus) -> Bool
    ) async throws -> RecordingInfo {
        let deadline = Date().addingTimeInterval(timeout)
        var last = try await client.status(egressId: egressId)
        while !predicate(last.status) {
            guard Date() < deadline else { throw Timeout(what: "recording \(egressId) still \(last.status.rawValue)") }
            try await Task.sleep(for: .milliseconds(100))
            last = try await client.status(egressId: egressId)
        }
        return last
    }

    /// The object's bytes, read from the bucket directly (not through the API).
    static func objectBytes(_ stack: LiveStack, key: String) async throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("object-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try await stack.bucket.getObject(key: key, to: file)
        return try Data(contentsOf: file)
    }

    /// A room name that is a real Matrix id (`!` and `:` must survive the URL and the key).
    static func room(_ label: String) -> String {
        "!\(label)\(UUID().uuidString.prefix(8).lowercased()):example.org"
    }
}

struct Timeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out: \(what)" }
}

/// Waits on the main actor until `predicate` holds for the controller's state.
@MainActor
func eventually(
    _ controller: RecordingController, timeout: TimeInterval = 10, _ what: String,
    _ predicate: (RecordingButtonState) -> Bool
) async throws -> RecordingButtonState {
    let deadline = Date().addingTimeInterval(timeout)
    while !predicate(controller.state) {
        guard Date() < deadline else { throw Timeout(what: "\(what); the controller is \(controller.state)") }
        try await Task.sleep(for: .milliseconds(50))
    }
    return controller.state
}

/// The first `POST /api/recording/start` goes to the real server, but its answer never
/// reaches the client: the connection "drops" after the server did the work. Everything
/// else passes through. What a phone sees when it loses the network mid-request.
final class LostStartReply: URLProtocol {
    /// Per server port, so suites running in parallel do not share the drop.
    private static let armed = Mutex<Set<Int>>([])
    /// The answers that were dropped, as the server sent them.
    private static let dropped = Mutex<[Int: [Data]]>([:])
    /// Forwards with a plain session: this protocol is not registered on it.
    private static let upstream = URLSession(configuration: .ephemeral)

    static func session(droppingFirstStartTo port: Int) -> URLSession {
        armed.withLock { _ = $0.insert(port) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [LostStartReply.self]
        return URLSession(configuration: configuration)
    }

    static func droppedAnswers(port: Int) -> [Data] { dropped.withLock { $0[port] ?? [] } }

    override class func canInit(with request: URLRequest) -> Bool { request.url?.port != nil }
    override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    override func startLoading() {
        var forwarded = URLRequest(url: request.url!)
        forwarded.httpMethod = request.httpMethod
        forwarded.allHTTPHeaderFields = request.allHTTPHeaderFields
        forwarded.httpBody = request.bodyData
        let port = request.url?.port ?? 0
        let isStart = request.httpMethod == "POST" && request.url?.path == "/api/recording/start"
        let drop = isStart && Self.armed.withLock { $0.remove(port) != nil }
        // Forwarded from another queue: FoundationNetworking runs `startLoading` on a queue
        // every session's work queue targets, and a task's `resume()` syncs onto it
        // (resuming from here traps in dispatch_sync).
        let target = Unchecked(self)
        DispatchQueue.global().async { [forwarded] in
            Self.upstream.dataTask(with: forwarded) { data, response, error in
                let proto = target.value
                if drop {
                    Self.dropped.withLock { $0[port, default: []].append(data ?? Data()) }
                    proto.client?.urlProtocol(proto, didFailWithError: URLError(.networkConnectionLost))
                } else if let response {
                    proto.client?.urlProtocol(proto, didReceive: response, cacheStoragePolicy: .notAllowed)
                    proto.client?.urlProtocol(proto, didLoad: data ?? Data())
                    proto.client?.urlProtocolDidFinishLoading(proto)
                } else {
                    proto.client?.urlProtocol(proto, didFailWithError: error ?? URLError(.unknown))
                }
            }.resume()
        }
    }

    override func stopLoading() {}

}

/// Carries the URLProtocol (not Sendable) into URLSession's completion handler, its
/// only user from then on.
private final class Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The waits a `RetryPolicy` asked for, without waiting.
final class RecordedWaits: Sendable {
    private let waits = Mutex<[TimeInterval]>([])
    var values: [TimeInterval] { waits.withLock { $0 } }

    func policy(maxAttempts: Int = 3) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, jitter: 0, sleep: { [self] seconds in record(seconds) })
    }

    private func record(_ seconds: TimeInterval) { waits.withLock { $0.append(seconds) } }
}
