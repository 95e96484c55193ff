import Glibc

/// The few frames the micro-benchmarks run: Ethernet, IPv4 and a bare TCP header.
/// The datapath tests' TestPacket builds far more shapes; it lives in their test target
/// and is not moved for these four, which need nothing it does beyond this.
enum MicroPacket {
    static let syn: UInt8 = 0x02
    static let ack: UInt8 = 0x10

    static func tcp(from source: [UInt8], to destination: [UInt8], sport: UInt16, dport: UInt16, flags: UInt8) -> [UInt8] {
        let tcp = be16(sport) + be16(dport) + be32(1000) + be32(flags & ack != 0 ? 1 : 0)
            + [0x50, flags] + be16(65535) + [0, 0, 0, 0]
        var ip: [UInt8] = [0x45, 0] + be16(UInt16(20 + tcp.count)) + be16(0x1234) + be16(0x4000)
            + [64, 6, 0, 0] + source + destination
        let checksum = internetChecksum(ip)
        ip[10] = UInt8(checksum >> 8)
        ip[11] = UInt8(checksum & 0xff)
        let ethernet: [UInt8] = [0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00]
        return ethernet + ip + tcp
    }

    /// The four bytes of a dotted IPv4 literal this file's callers write themselves.
    static func address(_ text: String) -> [UInt8] {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { preconditionFailure("not an IPv4 literal: \(text)") }
        return withUnsafeBytes(of: address) { Array($0) }
    }

    /// RFC 1071 ones' complement sum over the IPv4 header.
    private static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for index in stride(from: 0, to: bytes.count - 1, by: 2) {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
        }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
    private static func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xffff)) }
}
