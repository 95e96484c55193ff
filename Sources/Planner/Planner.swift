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
    /// `serviceChanges`: what changed since the last plan with these allocations, so that
    /// only the services it concerns are planned again (nil: look at every service).
    public static func plan(_ cluster: Cluster, node: NodeSettings, allocations: inout Allocations,
                            serviceChanges: ServiceChanges? = nil) -> DesiredState {
        var state = DesiredState()
        // Name order everywhere: peer and identity numbers never depend on hashing.
        let policyOrder = cluster.policies.keys.sorted()
        let peers = PolicyPeers(cluster: cluster, order: policyOrder, allocations: &allocations)
        let inputs = AddressClassMemo.Inputs(
            peerIDs: peers.peerIDs, namedPortsInEgress: peers.namedPortsInEgress, nodeAddresses: node.addresses,
            namespaceLabels: cluster.namespaceLabels, pods: cluster.pods)
        let classes = allocations.addressClasses.classes(for: inputs)
            ?? classify(cluster, peers: peers, nodeAddresses: node.addresses, allocations: &allocations)
        allocations.addressClasses.remember(classes, for: inputs)
        state.identities = classes.identities
        state.ipcache = classes.ipcache

        for ref in policyOrder {
            state.policyNames[allocations.policy(ref)] = ref
        }
        let policies = PolicyRules.byNamespace(cluster, order: policyOrder, peers: peers.rulePeers,
                                               allocations: allocations)
        let identities = classes.peerIdentities

        var localPods: [ObjectRef] = []
        for (ref, pod) in cluster.pods
            where pod.spec.nodeName == node.name && !pod.spec.hostNetwork && !pod.status.isTerminated
                && !pod.status.addresses.isEmpty {
            localPods.append(ref)
        }
        localPods.sort()
        for ref in localPods {
            guard let pod = cluster.pods[ref] else { continue }
            let endpointID = allocations.endpoint(ref)
            var rules = EndpointRules(endpointID: endpointID, pod: pod, identities: identities,
                                      allowHostTraffic: node.allowHostTraffic)
            rules.collect(policies[ref.namespace] ?? [], into: &state.policy)
            var flags = rules.enforcedFlags
            if cluster.isAudited(namespace: ref.namespace) { flags |= UInt32(SLUICE_EP_AUDIT.rawValue) }
            state.endpoints.append(PlannedEndpoint(
                pod: ref, endpointID: endpointID, flags: flags, addresses: pod.status.addresses,
                hostInterface: pod.metadata.annotations[PlannerAnnotations.hostInterface],
                ingressPolicyID: rules.ingressPolicyID, egressPolicyID: rules.egressPolicyID))
        }

        state.services = ServicePlanner.plan(cluster, allocations: &allocations.services, changes: serviceChanges)
        allocations.retain(endpoints: Set(localPods), identities: Set(state.identities.keys),
                           policies: Set(cluster.policies.keys), peers: peers.peerIDs)
        return state
    }

    /// Classes of addresses, numbered: the identities, the ipcache mapping
    /// prefixes to them, and which identities each peer matches.
    private static func classify(_ cluster: Cluster, peers: PolicyPeers, nodeAddresses: [IPAddress],
                                 allocations: inout Allocations) -> AddressClassMemo.Classes {
        let classes = IdentityClasses(cluster: cluster, peers: peers, nodeAddresses: nodeAddresses)
        // Class 0 is WORLD; new classes get numbers in a canonical order, so the
        // numbering never depends on hashing or file order.
        var identityOf = [UInt32](repeating: UInt32(SLUICE_IDENTITY_WORLD.rawValue), count: classes.signatures.count)
        let unnumbered = classes.signatures.indices.dropFirst().filter { index in
            if let id = allocations.identities[classes.signatures[index]] {
                identityOf[index] = id
                return false
            }
            return true
        }
        for index in unnumbered.sorted(by: { classes.signatures[$0].precedes(classes.signatures[$1]) }) {
            identityOf[index] = allocations.identity(classes.signatures[index], first: UInt32(SLUICE_IDENTITY_FIRST.rawValue))
        }
        var identities: [UInt32: IdentitySignature] = [:]
        for (index, signature) in classes.signatures.enumerated() {
            identities[identityOf[index]] = signature
        }
        var ipcache: [sluice_ipcache_key: sluice_ipcache_value] = [:]
        ipcache.reserveCapacity(classes.prefixes.count)
        for (prefix, index) in classes.prefixes {
            ipcache[IPCacheKeys.key(for: prefix)] = sluice_ipcache_value(identity: identityOf[index], flags: 0)
        }
        return AddressClassMemo.Classes(identities: identities, ipcache: ipcache,
                                        peerIdentities: PeerIdentities(identities))
    }
}
