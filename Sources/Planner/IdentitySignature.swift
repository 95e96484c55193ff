import Model

/// A policy peer in the namespace of the policy that names it: a bare
/// podSelector means "pods of the policy's own namespace".
public struct PeerKey: Hashable, Sendable {
    public var policyNamespace: String
    public var peer: NetworkPolicyPeer
}

/// A container port a policy may name, as one pod defines it.
public struct NamedPort: Hashable, Sendable {
    public var name: String
    public var `protocol`: TransportProtocol
    public var port: UInt16
}

/// What every policy can tell about an address: which peers match it (by
/// their ids in `Allocations`, so hashing a signature is cheap), and
/// (for pods) which numbers its named ports have, because egress rules with
/// named ports resolve them against the destination. Addresses with equal
/// signatures are treated alike by every rule, so they share an identity.
public struct IdentitySignature: Hashable, Sendable {
    public var peers: Set<UInt32>
    public var namedPorts: Set<NamedPort>
    /// An address of the node itself, whose traffic to local pods (kubelet
    /// probes) may be allowed whatever the policies say.
    public var isHost: Bool

    public init(peers: Set<UInt32>, namedPorts: Set<NamedPort>, isHost: Bool = false) {
        self.peers = peers
        self.namedPorts = namedPorts
        self.isHost = isHost
    }

    public static let world = IdentitySignature(peers: [], namedPorts: [])

    /// A total order independent of hashing: host first, then by peers, then by named ports.
    func precedes(_ other: IdentitySignature) -> Bool {
        if isHost != other.isHost { return isHost }
        let (mine, theirs) = (peers.sorted(), other.peers.sorted())
        if mine != theirs { return mine.lexicographicallyPrecedes(theirs) }
        let order = { (port: NamedPort) in "\(port.name)/\(port.protocol)/\(port.port)" }
        return namedPorts.map(order).sorted().lexicographicallyPrecedes(other.namedPorts.map(order).sorted())
    }
}
