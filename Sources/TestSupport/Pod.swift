/// A pod: its own network namespace whose `eth0` is one end of a veth pair; the
/// other end, `hostInterface`, sits in the node namespace with a /32 (/128) route
/// to the pod's addresses, as a CNI plugin would leave it.
public struct Pod: InNetworkNamespace, CustomStringConvertible {
    /// The pod's name (also what its servers answer with).
    public let name: String
    public let netns: NetworkNamespace
    /// The host end of the pod's veth, inside the node namespace.
    public let hostInterface: String
    public let ipv4: String
    public let ipv6: String

    public var probeName: String { name }
    public var description: String { "\(name) (\(ipv4), \(ipv6), \(hostInterface))" }

    /// The pod's address in `family` (`.ipv4` or `.ipv6`).
    public func address(_ family: AddressFamily) -> String {
        family == .ipv4 ? ipv4 : ipv6
    }
}

public enum AddressFamily: String, Sendable, CaseIterable {
    case ipv4
    case ipv6
}
