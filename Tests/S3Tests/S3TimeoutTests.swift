import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import S3

/// A listening socket that never accepts: the kernel completes the handshake, the
/// request goes out, and no answer ever comes, which is what a hung S3 looks like.
@Suite("S3: request timeout")
struct S3TimeoutTests {
    @Test func silentServerTimesOutAsATransportError() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let client = S3Client(configuration: S3Configuration(
            endpoint: try #require(URL(string: "http://127.0.0.1:\(listener.port)")), bucket: "livekit-recordings",
            accessKey: "a", secretKey: "s", requestTimeout: 1))
        await #expect {
            try await client.headBucket()
        } throws: { error in
            guard case S3Error.transport(let cause) = error else { return false }
            return cause.code == .timedOut
        }
    }
}

struct SilentListener {
    let descriptor: Int32
    let port: UInt16

    struct Failed: Error { let step: String }

    init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(step: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 8) == 0 else { throw Failed(step: "bind/listen") }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
        #else
        throw Failed(step: "only on Linux")
        #endif
    }

    func close() {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #endif
    }
}
