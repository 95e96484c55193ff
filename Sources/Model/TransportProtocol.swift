/// The L4 protocols Kubernetes ports may name. Absent in a manifest means TCP.
public enum TransportProtocol: String, Sendable, Hashable, CaseIterable, Comparable {
    case tcp = "TCP"
    case udp = "UDP"
    case sctp = "SCTP"

    /// The IANA protocol number carried in the IP header.
    public var ipProtocolNumber: UInt8 {
        switch self {
        case .tcp: 6
        case .udp: 17
        case .sctp: 132
        }
    }

    public static func < (lhs: TransportProtocol, rhs: TransportProtocol) -> Bool {
        lhs.ipProtocolNumber < rhs.ipProtocolNumber
    }
}
