import Foundation

/// Runs blocking socket work on its own thread, so tests never block the cooperative
/// pool that the server's handlers run on.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }.start()
    }
}

struct RawClientError: Error, CustomStringConvertible {
    let description: String
}

struct RawResponse: Sendable {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A plain HTTP/1.1 client over a blocking socket: exact control over bytes on the wire
/// (keep-alive, HEAD framing, malformed input, hanging up early).
final class RawConnection: @unchecked Sendable {
    private let socket: Int32
    private var buffered: [UInt8] = []

    init(port: Int) throws {
        // `self.socket` is set only once connected: a class whose stored properties are all
        // set is deinitialised when its init throws, and `deinit` closing the descriptor again
        // closed whatever another test had opened under the same number meanwhile (the
        // concurrency tests' "send failed: 9", "connect: Bad file descriptor", about 1 run in 20).
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RawClientError(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            let code = errno
            Glibc.close(socket)
            throw RawClientError(description: "connect: \(String(cString: strerror(code)))")
        }
        self.socket = socket
    }

    deinit { Glibc.close(socket) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw RawClientError(description: "send failed: \(errno)") }
            offset += written
        }
    }

    /// Sends a request and reads its response.
    func request(_ method: String, _ target: String, headers: [String: String] = [:], body: [UInt8] = []) throws -> RawResponse {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
        return try readResponse(bodyExpected: method != "HEAD")
    }

    func readResponse(bodyExpected: Bool = true) throws -> RawResponse {
        let head = String(decoding: try readUntil([13, 10, 13, 10]), as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw RawClientError(description: "bad status line in \(head)") }
        let headers = lines.map { line -> (name: String, value: String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        let response = RawResponse(status: status, headers: headers, body: [])
        guard bodyExpected else { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            return RawResponse(status: status, headers: headers, body: try readExactly(length))
        }
        if response.header("Transfer-Encoding") == "chunked" {
            return RawResponse(status: status, headers: headers, body: try readChunked())
        }
        return response
    }

    /// Reads whatever arrives next (at least one byte).
    func readSome() throws -> [UInt8] {
        if !buffered.isEmpty {
            defer { buffered = [] }
            return buffered
        }
        return try receive()
    }

    /// True once the server has closed its side (read returns 0 or reset).
    func isClosedByServer() -> Bool {
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, 0) <= 0
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = String(decoding: try readUntil([13, 10]), as: UTF8.self)
            guard let size = Int(sizeLine.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) else {
                throw RawClientError(description: "bad chunk size \(sizeLine)")
            }
            if size == 0 {
                _ = try readUntil([13, 10])
                return body
            }
            body += try readExactly(size)
            _ = try readExactly(2)
        }
    }

    private func readUntil(_ delimiter: [UInt8]) throws -> [UInt8] {
        while true {
            if let range = firstRange(of: delimiter) {
                let result = Array(buffered[..<range])
                buffered.removeFirst(range + delimiter.count)
                return result + delimiter
            }
            buffered += try receive()
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffered.count < count { buffered += try receive() }
        defer { buffered.removeFirst(count) }
        return Array(buffered[..<count])
    }

    private func firstRange(of delimiter: [UInt8]) -> Int? {
        guard buffered.count >= delimiter.count else { return nil }
        return (0...(buffered.count - delimiter.count)).first { Array(buffered[$0..<$0 + delimiter.count]) == delimiter }
    }

    private func receive() throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket, &chunk, chunk.count, 0)
        guard count > 0 else { throw RawClientError(description: count == 0 ? "connection closed by server" : "recv failed: \(errno)") }
        return Array(chunk[..<count])
    }
}
