import CSluiceBPF
import Model

/// What the planner knows of the node it plans for.
public struct NodeSettings: Sendable, Equatable {
    /// Pods whose `spec.nodeName` is this are local.
    public var name: String
    /// The node's own addresses (loopback excluded).
    public var addresses: [IPAddress]
    /// Lets the node reach its local pods whatever the policies (kubelet probes).
    public var allowHostTraffic: Bool

    public init(name: String, addresses: [IPAddress] = [], allowHostTraffic: Bool = true) {
        self.name = name
        self.addresses = addresses
        self.allowHostTraffic = allowHostTraffic
    }
}

/// Turns the cluster into the maps' desired contents. Pure: the same cluster
/// and allocations give the same state, bit for bit.
public enum Planner {
    public static func plan(_ cluster: Cluster, node: NodeSettings, allocations: inout Allocations) -> DesiredState {
        var state = DesiredState()
        let classes = IdentityClasses(cluster: cluster, nodeAddresses: node.addresses, allocations: &allocations)

        var identityOf: [IdentitySignature: UInt32] = [.world: UInt32(SLUICE_IDENTITY_WORLD.rawValue)]
        for signature in classes.signatures where signature != .world {
            identityOf[signature] = allocations.identity(signature, first: UInt32(SLUICE_IDENTITY_FIRST.rawValue))
        }
        for (identity, signature) in identityOf.map({ ($0.value, $0.key) }) {
            state.identities[identity] = signature
        }
        for (prefix, signature) in classes.prefixes {
            state.ipcache[IPCacheKeys.key(for: prefix)] = sluice_ipcache_value(identity: identityOf[signature] ?? 1, flags: 0)
        }

        for ref in cluster.policies.keys.sorted() {
            state.policyNames[allocations.policy(ref)] = ref
        }

        let localPods = cluster.pods.filter { _, pod in
            pod.spec.nodeName == node.name && !pod.spec.hostNetwork && !pod.status.addresses.isEmpty
        }
        for (ref, pod) in localPods.sorted(by: { $0.key < $1.key }) {
            let endpointID = allocations.endpoint(ref)
            var rules = EndpointRules(endpointID: endpointID, pod: pod, cluster: cluster, identities: identityOf,
                                      allocations: allocations, allowHostTraffic: node.allowHostTraffic)
            rules.collect(into: &state.policy)
            var flags = rules.enforcedFlags
            if cluster.isAudited(namespace: ref.namespace) { flags |= UInt32(SLUICE_EP_AUDIT.rawValue) }
            state.endpoints.append(PlannedEndpoint(
                pod: ref, endpointID: endpointID, flags: flags, addresses: pod.status.addresses,
                hostInterface: pod.metadata.annotations[PlannerAnnotations.hostInterface]))
        }

        state.services = ServicePlanner.plan(cluster, allocations: &allocations.services)
        allocations.retain(endpoints: Set(localPods.keys), identities: Set(identityOf.keys),
                           policies: Set(cluster.policies.keys), peers: classes.peerKeys)
        return state
    }
}
