import Glibc

/// A numeric IPv4 or IPv6 address with a port. Host names are refused
/// (except `localhost`) so that no resolver can block past a timeout.
enum SocketAddress: CustomStringConvertible {
    case v4(sockaddr_in)
    case v6(sockaddr_in6)

    init(host: String, port: UInt16) throws(ProbeError) {
        let numeric = host == "localhost" ? "127.0.0.1" : host
        var address4 = in_addr()
        if inet_pton(AF_INET, numeric, &address4) == 1 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = address4
            self = .v4(address)
            return
        }
        var address6 = in6_addr()
        if inet_pton(AF_INET6, numeric, &address6) == 1 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = address6
            self = .v6(address)
            return
        }
        throw .usage("not a numeric IPv4 or IPv6 address: '\(host)'")
    }

    /// The address a peer had, as filled in by recvfrom(2) or accept(2).
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            self = .v4(withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) })
        case AF_INET6:
            self = .v6(withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) })
        default:
            return nil
        }
    }

    var family: Int32 {
        switch self {
        case .v4: AF_INET
        case .v6: AF_INET6
        }
    }

    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch self {
        case .v4(var address):
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(var address):
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch self {
        case .v4(var address):
            inet_ntop(AF_INET, &address.sin_addr, &buffer, socklen_t(buffer.count))
            return "\(string(fromCBuffer: buffer)):\(UInt16(bigEndian: address.sin_port))"
        case .v6(var address):
            inet_ntop(AF_INET6, &address.sin6_addr, &buffer, socklen_t(buffer.count))
            return "[\(string(fromCBuffer: buffer))]:\(UInt16(bigEndian: address.sin6_port))"
        }
    }
}
