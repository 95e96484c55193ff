import Glibc

/// Where a socket's data comes from, as the application sees it: what the service load
/// balancer's getpeername and recvmsg hooks must show as the VIP.
extension Socket {
    /// getpeername(2) of a connected socket.
    func peerName() throws(ProbeError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard result == 0 else { throw .system("getpeername", errno: errno) }
        guard let address = SocketAddress(storage: storage) else { throw .network("getpeername: unknown address family") }
        return address
    }

    /// One recvfrom(2) once a datagram is there: its bytes and its source.
    func receiveFrom(maximum: Int, before deadline: Deadline) throws(ProbeError) -> ([UInt8], SocketAddress?) {
        while true {
            var buffer = [UInt8](repeating: 0, count: maximum)
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length)
                    }
                }
            }
            if count >= 0 { return (Array(buffer.prefix(count)), SocketAddress(storage: storage)) }
            guard errno == EAGAIN || errno == EINTR else { throw .system("recvfrom", errno: errno) }
            guard try wait(for: Int16(POLLIN), before: deadline) else { throw .timedOut("recvfrom: no answer") }
        }
    }
}
