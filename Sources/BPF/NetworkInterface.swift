import CSluiceBPF
import Glibc

/// Interfaces of the calling thread's network namespace, found through
/// ioctl and netlink (never /sys/class/net, which `ip netns exec` remounts).
public enum NetworkInterface {
    /// `if_nametoindex`.
    public static func index(of name: String) -> Int32? {
        let index = if_nametoindex(name)
        return index == 0 ? nil : Int32(index)
    }

    /// `if_indextoname`.
    public static func name(of index: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(UInt32(index), &buffer) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The interface the kernel routes `address` (4 or 16 bytes, network order) through.
    /// rtnetlink `RTM_GETROUTE`.
    public static func routeInterface(for address: [UInt8]) throws(BPFError) -> Int32 {
        let family = address.count == 4 ? AF_INET : AF_INET6
        guard address.count == 4 || address.count == 16 else {
            throw .errno(EINVAL, call: "RTM_GETROUTE", subject: "address of \(address.count) bytes")
        }
        let ret = address.withUnsafeBytes { sluice_route_oif(family, $0.baseAddress) }
        guard ret > 0 else {
            throw .errno(ret < 0 ? -ret : ENOENT, call: "RTM_GETROUTE", subject: address.map(String.init).joined(separator: "."))
        }
        return ret
    }

    /// Every IPv4 and IPv6 address of the namespace's interfaces except the
    /// loopback range (127/8, ::1), 4 or 16 bytes each, in network order.
    /// Addresses on `lo` count: nodes often keep their own address there.
    /// `getifaddrs` (netlink).
    public static func addresses() throws(BPFError) -> [[UInt8]] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { throw .errno(errno, call: "getifaddrs", subject: "this namespace") }
        defer { freeifaddrs(list) }
        var result: [[UInt8]] = []
        var cursor = list
        while let entry = cursor?.pointee {
            cursor = entry.ifa_next
            guard let sockaddr = entry.ifa_addr else { continue }
            switch Int32(sockaddr.pointee.sa_family) {
            case AF_INET:
                let address = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                let bytes = withUnsafeBytes(of: address) { Array($0) }
                if bytes[0] != 127 { result.append(bytes) }
            case AF_INET6:
                let address = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                let bytes = withUnsafeBytes(of: address) { Array($0) }
                if bytes != [UInt8](repeating: 0, count: 15) + [1] { result.append(bytes) }
            default:
                continue
            }
        }
        return result
    }
}
