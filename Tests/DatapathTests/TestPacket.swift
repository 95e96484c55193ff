/// A frame for a test run: Ethernet, IPv4 or IPv6 (with options or extension
/// headers), and a transport header whose lengths agree unless a test says
/// otherwise through one of the overrides.
struct TestPacket: Sendable, CustomStringConvertible {
    enum Transport: Sendable {
        case tcp(sport: UInt16, dport: UInt16, flags: TCPFlags = .syn)
        case udp(sport: UInt16, dport: UInt16)
        case sctp(sport: UInt16, dport: UInt16)
        /// ICMP echo over IPv4, ICMPv6 echo over IPv6.
        case echo(id: UInt16, reply: Bool = false)
        /// Any protocol number followed by these bytes, for headers a test breaks on purpose.
        case raw(protocol: UInt8, bytes: [UInt8])
    }

    struct TCPFlags: OptionSet, Sendable {
        let rawValue: UInt8
        static let fin = TCPFlags(rawValue: 0x01)
        static let syn = TCPFlags(rawValue: 0x02)
        static let rst = TCPFlags(rawValue: 0x04)
        static let psh = TCPFlags(rawValue: 0x08)
        static let ack = TCPFlags(rawValue: 0x10)
    }

    enum IPv6Extension: Sendable {
        case hopByHop, destinationOptions, routing
        /// `offset` in 8-byte units; `more` is the M flag.
        case fragment(offset: UInt16, more: Bool)
        /// Authentication header, whose length field counts 4-byte units.
        case authentication
    }

    var source: IPAddress
    var destination: IPAddress
    var transport: Transport
    var payload: [UInt8] = []
    /// IPv4 options, padded to a multiple of 4 bytes.
    var ipv4Options: [UInt8] = []
    /// IPv4 fragment offset in 8-byte units, and the MF flag.
    var ipv4FragmentOffset: UInt16 = 0
    var ipv4MoreFragments = false
    /// The IP identification: IPv4's header field, and the IPv6 fragment header's.
    var fragmentID: UInt32 = 0x1234
    var ipv6Extensions: [IPv6Extension] = []
    /// Written instead of the real IHL (IPv4 header length in 4-byte units).
    var ihlOverride: UInt8?
    /// Written instead of the real IPv4 total length or IPv6 payload length.
    var ipLengthOverride: UInt16?

    init(from source: IPAddress, to destination: IPAddress, _ transport: Transport) {
        precondition(source.isIPv4 == destination.isIPv4, "mixed address families")
        self.source = source
        self.destination = destination
        self.transport = transport
    }

    /// The same flow seen from the other end: addresses and ports swapped.
    func reply(_ transport: Transport? = nil) -> TestPacket {
        var reply = self
        reply.source = destination
        reply.destination = source
        reply.transport = transport ?? self.transport.reversed
        return reply
    }

    var description: String { "\(source) -> \(destination) \(transport)" }
}

extension TestPacket.Transport {
    var reversed: Self {
        switch self {
        case let .tcp(sport, dport, flags): .tcp(sport: dport, dport: sport, flags: flags)
        case let .udp(sport, dport): .udp(sport: dport, dport: sport)
        case let .sctp(sport, dport): .sctp(sport: dport, dport: sport)
        case let .echo(id, reply): .echo(id: id, reply: !reply)
        case .raw: self
        }
    }
}
