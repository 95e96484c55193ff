/// The wire bytes of a TestPacket, and cut-down copies for truncation tests.
extension TestPacket {
    static let ethernetHeaderLength = 14
    static let ethertypeIPv4: UInt16 = 0x0800
    static let ethertypeIPv6: UInt16 = 0x86dd
    static let ethertypeARP: UInt16 = 0x0806

    var bytes: [UInt8] {
        let l4 = transportBytes + payload
        let ip = source.isIPv4 ? ipv4Header(payloadLength: l4.count) : ipv6Header(payloadLength: l4.count)
        return Self.ethernet(ethertype: source.isIPv4 ? Self.ethertypeIPv4 : Self.ethertypeIPv6) + ip + l4
    }

    /// The first `length` bytes of the frame: headers that claim more than is there.
    func truncated(to length: Int) -> [UInt8] {
        Array(bytes.prefix(length))
    }

    /// Where the transport header starts in `bytes`.
    var transportOffset: Int {
        Self.ethernetHeaderLength + (source.isIPv4 ? 20 + paddedOptions.count : 40 + extensionBytes.count)
    }

    var ipProtocol: UInt8 {
        switch transport {
        case .tcp: IPProtocol.tcp
        case .udp: IPProtocol.udp
        case .sctp: IPProtocol.sctp
        case .echo: source.isIPv4 ? IPProtocol.icmp : IPProtocol.icmpv6
        case let .raw(number, _): number
        }
    }

    static func ethernet(ethertype: UInt16) -> [UInt8] {
        [0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02] + be16(ethertype)
    }

    /// A broadcast ARP request: a frame the datapath must pass without looking further.
    static func arpRequest() -> [UInt8] {
        let body: [UInt8] = be16(1) + be16(0x0800) + [6, 4] + be16(1)
            + [0x02, 0, 0, 0, 0, 0x02] + [10, 0, 0, 2] + [0, 0, 0, 0, 0, 0] + [10, 0, 0, 1]
        return [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x02] + be16(ethertypeARP) + body
    }

    private var paddedOptions: [UInt8] {
        ipv4Options + [UInt8](repeating: 0, count: (4 - ipv4Options.count % 4) % 4)
    }

    private func ipv4Header(payloadLength: Int) -> [UInt8] {
        let options = paddedOptions
        let headerLength = 20 + options.count
        let ihl = ihlOverride ?? UInt8(headerLength / 4)
        let total = ipLengthOverride ?? UInt16(headerLength + payloadLength)
        let flagsAndOffset = (ipv4MoreFragments ? 0x2000 : 0) | (ipv4FragmentOffset & 0x1fff)
        var header: [UInt8] = [0x40 | (ihl & 0x0f), 0] + be16(total) + be16(UInt16(truncatingIfNeeded: fragmentID))
            + be16(flagsAndOffset)
            + [64, ipProtocol] + [0, 0] + source.bytes + destination.bytes + options
        let checksum = Self.internetChecksum(header)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xff)
        return header
    }

    private func ipv6Header(payloadLength: Int) -> [UInt8] {
        let extensions = extensionBytes
        let length = ipLengthOverride ?? UInt16(extensions.count + payloadLength)
        let firstNext = ipv6Extensions.first.map(\.number) ?? ipProtocol
        return [0x60, 0, 0, 0] + be16(length) + [firstNext, 64] + source.bytes + destination.bytes + extensions
    }

    private var extensionBytes: [UInt8] {
        var bytes: [UInt8] = []
        for (index, header) in ipv6Extensions.enumerated() {
            let next = index + 1 < ipv6Extensions.count ? ipv6Extensions[index + 1].number : ipProtocol
            bytes += header.encoded(next: next, fragmentID: fragmentID)
        }
        return bytes
    }

    private var transportBytes: [UInt8] {
        switch transport {
        case let .tcp(sport, dport, flags):
            // data offset 5 (20 bytes), no options
            return be16(sport) + be16(dport) + be32(1000) + be32(0) + [0x50, flags.rawValue] + be16(65535)
                + [0, 0, 0, 0]
        case let .udp(sport, dport):
            return be16(sport) + be16(dport) + be16(UInt16(8 + payload.count)) + [0, 0]
        case let .sctp(sport, dport):
            // common header, then an empty DATA-less chunk header so the packet is not bare
            return be16(sport) + be16(dport) + be32(0x0102_0304) + be32(0) + [1, 0] + be16(4)
        case let .echo(id, reply):
            let type: UInt8 = source.isIPv4 ? (reply ? 0 : 8) : (reply ? 129 : 128)
            return [type, 0, 0, 0] + be16(id) + be16(1)
        case let .raw(_, bytes):
            return bytes
        }
    }

    /// RFC 1071 ones' complement sum, for the IPv4 header checksum.
    static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

extension TestPacket.IPv6Extension {
    var number: UInt8 {
        switch self {
        case .hopByHop: 0
        case .routing: 43
        case .fragment: 44
        case .authentication: 51
        case .destinationOptions: 60
        }
    }

    func encoded(next: UInt8, fragmentID: UInt32) -> [UInt8] {
        switch self {
        case .hopByHop, .destinationOptions:
            // 8 bytes: hdrlen 0, then one PadN option filling the rest
            return [next, 0, 1, 4, 0, 0, 0, 0]
        case .routing:
            // 8 bytes: hdrlen 0, routing type 0, segments left 0, reserved
            return [next, 0, 0, 0, 0, 0, 0, 0]
        case let .fragment(offset, more):
            return [next, 0] + be16(offset << 3 | (more ? 1 : 0)) + be32(fragmentID)
        case .authentication:
            // 24 bytes: payload length (4 + 2) * 4 counts 4-byte units minus 2; SPI, sequence, 12-byte ICV
            return [next, 4, 0, 0] + be32(0x100) + be32(1) + [UInt8](repeating: 0xaa, count: 12)
        }
    }
}

func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }
func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xffff)) }
