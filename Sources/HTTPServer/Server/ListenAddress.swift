import Foundation

/// A resolved address to listen on.
struct ListenAddress: @unchecked Sendable {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    static func resolve(host: String, port: Int) throws -> ListenAddress {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw HTTPServerError.cannotResolve(host: host, port: port, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(results) }
        var address = ListenAddress()
        address.length = first.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &address.storage) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return address
    }

    var port: Int {
        get {
            withUnsafeBytes(of: storage) { raw in
                switch Int32(storage.ss_family) {
                case AF_INET: Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
                case AF_INET6: Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
                default: 0
                }
            }
        }
        set {
            let family = Int32(storage.ss_family)
            withUnsafeMutableBytes(of: &storage) { raw in
                switch family {
                case AF_INET:
                    var address = raw.load(as: sockaddr_in.self)
                    address.sin_port = UInt16(newValue).bigEndian
                    raw.storeBytes(of: address, as: sockaddr_in.self)
                case AF_INET6:
                    var address = raw.load(as: sockaddr_in6.self)
                    address.sin6_port = UInt16(newValue).bigEndian
                    raw.storeBytes(of: address, as: sockaddr_in6.self)
                default:
                    break
                }
            }
        }
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// The port a bound socket got (after binding port 0).
    static func boundPort(of socket: Int32) -> Int {
        var address = ListenAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutableBytes(of: &address.storage) { raw in
            getsockname(socket, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &address.length)
        }
        return status == 0 ? address.port : 0
    }

    /// Every loop listens with SO_REUSEPORT, which would also let us share a port with
    /// another process that set it (a second instance of this service) without an error.
    /// A plain bind first turns that into the "address in use" a person expects.
    func checkNotInUse(host: String) throws {
        let probe = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue), 0)
        guard probe >= 0 else { return }
        defer { close(probe) }
        var one: Int32 = 1
        setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let status = withSockaddr { bind(probe, $0, $1) }
        if status != 0 {
            throw HTTPServerError.cannotBind(host: host, port: port, reason: String(cString: strerror(errno)))
        }
    }
}
