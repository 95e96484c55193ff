/// IANA protocol numbers as policy and conntrack keys carry them (IPPROTO_*).
enum IPProtocol {
    static let icmp: UInt8 = 1
    static let tcp: UInt8 = 6
    static let udp: UInt8 = 17
    static let icmpv6: UInt8 = 58
    static let sctp: UInt8 = 132
}
