import TestSupport

/// A port every pod serves: 80 and 81, over TCP and UDP.
struct ProbePort: Hashable, Comparable, Sendable, CustomStringConvertible {
    typealias Transport = MatrixTarget.Transport

    let transport: Transport
    let number: UInt16

    static let tcp80 = ProbePort(transport: .tcp, number: 80)
    static let tcp81 = ProbePort(transport: .tcp, number: 81)
    static let udp80 = ProbePort(transport: .udp, number: 80)
    static let udp81 = ProbePort(transport: .udp, number: 81)

    static let all: Set<ProbePort> = [.tcp80, .tcp81, .udp80, .udp81]
    static let tcp: Set<ProbePort> = [.tcp80, .tcp81]
    static let udp: Set<ProbePort> = [.udp80, .udp81]

    /// The order columns and probes use.
    static let ordered: [ProbePort] = all.sorted()

    var description: String { "\(transport.rawValue)/\(number)" }

    static func < (lhs: ProbePort, rhs: ProbePort) -> Bool {
        (lhs.transport, lhs.number) < (rhs.transport, rhs.number)
    }
}
