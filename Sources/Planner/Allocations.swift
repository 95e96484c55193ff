/// Numbers the planner hands out and keeps stable from one plan to the next,
/// so that a change touches only the map entries it must: an endpoint keeps
/// its id while it exists, an identity class keeps its number while some
/// address has it, a policy keeps its id while it exists. Numbers are never
/// reused within an agent's life.
public struct Allocations: Sendable, Equatable {
    public private(set) var endpoints: [ObjectRef: UInt32] = [:]
    public private(set) var identities: [IdentitySignature: UInt32] = [:]
    public private(set) var policies: [ObjectRef: UInt32] = [:]
    /// Service and backend ids and built Maglev tables (ServicePlanner).
    public var services = ServiceAllocations()
    /// Peer ids: signatures hold these instead of the peers themselves.
    public private(set) var peers: [PeerKey: UInt32] = [:]
    /// The last plan's address classes, reused while their inputs stay the same.
    var addressClasses = AddressClassMemo()
    private var nextPeer: UInt32 = 1
    private var nextEndpoint: UInt32 = 1
    private var nextIdentity: UInt32 = 256
    private var nextPolicy: UInt32 = 1

    public init() {}

    mutating func endpoint(_ ref: ObjectRef) -> UInt32 {
        if let id = endpoints[ref] { return id }
        defer { nextEndpoint += 1 }
        endpoints[ref] = nextEndpoint
        return nextEndpoint
    }

    mutating func identity(_ signature: IdentitySignature, first: UInt32) -> UInt32 {
        if let id = identities[signature] { return id }
        nextIdentity = max(nextIdentity, first)
        defer { nextIdentity += 1 }
        identities[signature] = nextIdentity
        return nextIdentity
    }

    mutating func policy(_ ref: ObjectRef) -> UInt32 {
        if let id = policies[ref] { return id }
        defer { nextPolicy += 1 }
        policies[ref] = nextPolicy
        return nextPolicy
    }

    /// Takes over an id an earlier agent gave `ref` (read back from the
    /// endpoints map), so conntrack entries keyed by it keep matching after a
    /// restart. A pod that held the id in this agent's plan gets a new one.
    public mutating func adoptEndpoint(_ ref: ObjectRef, id: UInt32) {
        for (other, otherID) in endpoints where otherID == id && other != ref {
            endpoints[other] = nil
        }
        endpoints[ref] = id
        nextEndpoint = max(nextEndpoint, id + 1)
    }

    mutating func peer(_ key: PeerKey) -> UInt32 {
        if let id = peers[key] { return id }
        defer { nextPeer += 1 }
        peers[key] = nextPeer
        return nextPeer
    }

    /// Forgets what the latest plan did not use.
    mutating func retain(endpoints liveEndpoints: Set<ObjectRef>, identities liveIdentities: Set<UInt32>,
                         policies livePolicies: Set<ObjectRef>, peers livePeers: Set<UInt32>) {
        endpoints = endpoints.filter { liveEndpoints.contains($0.key) }
        identities = identities.filter { liveIdentities.contains($0.value) }
        policies = policies.filter { livePolicies.contains($0.key) }
        peers = peers.filter { livePeers.contains($0.value) }
    }
}
