import CSluiceBPF
import Glibc

/// An IPv4 or IPv6 address as the bytes a packet carries (network order).
struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    var isIPv4: Bool { bytes.count == 4 }

    /// abi.h's family code, as stored in ipcache and conntrack keys.
    var family: UInt8 { UInt8(isIPv4 ? SLUICE_FAMILY_IPV4.rawValue : SLUICE_FAMILY_IPV6.rawValue) }

    /// The 16 bytes of an ABI address field: IPv4 in the first four, the rest zero.
    var abiBytes: [UInt8] { bytes + [UInt8](repeating: 0, count: 16 - bytes.count) }

    /// Parses a literal written in the test itself; a typo there is a bug in the test.
    init(_ text: StaticString) {
        let string = text.description
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, string, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
        } else if inet_pton(AF_INET6, string, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            preconditionFailure("not an IP address literal: \(string)")
        }
    }

    var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let text = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard text != nil else { return bytes.description }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
