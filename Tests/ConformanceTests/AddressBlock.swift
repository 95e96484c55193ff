import Glibc

/// A CIDR block and the plain prefix comparison that says whether an address is
/// in it: what `ipBlock` scenarios need to know which pods a block covers.
struct AddressBlock: Sendable, CustomStringConvertible {
    let description: String
    private let network: [UInt8]
    private let prefixLength: Int

    /// "10.200.0.12/30" or "fd00:200::/64"; nil when it is neither.
    init?(_ cidr: String) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let length = Int(parts[1]), let bytes = AddressBlock.bytes(String(parts[0])),
              (0...bytes.count * 8).contains(length)
        else { return nil }
        description = cidr
        network = bytes
        prefixLength = length
    }

    /// The block of `length` bits around `address`, e.g. the /30 a pod's address is in.
    init?(around address: String, length: Int) {
        guard let bytes = AddressBlock.bytes(address), (0...bytes.count * 8).contains(length) else { return nil }
        let masked = bytes.enumerated().map { index, byte -> UInt8 in
            let bits = min(8, max(0, length - index * 8))
            return bits == 0 ? 0 : byte & ~UInt8(0xff >> bits)
        }
        let text = AddressBlock.text(masked)
        self.init("\(text)/\(length)")
    }

    func contains(_ address: String) -> Bool {
        guard let bytes = AddressBlock.bytes(address), bytes.count == network.count else { return false }
        for index in 0..<bytes.count {
            let bits = min(8, max(0, prefixLength - index * 8))
            if bits == 0 { return true }
            let mask = ~UInt8(0xff >> bits)
            if bytes[index] & mask != network[index] & mask { return false }
        }
        return true
    }

    private static func bytes(_ address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func text(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
