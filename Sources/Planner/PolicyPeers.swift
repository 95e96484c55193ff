import Model

/// Every peer of every policy, interned in the allocations: ipBlocks and
/// selectors apart, and each policy's rules as the ids of their peers.
struct PolicyPeers {
    private(set) var peerIDs: Set<UInt32> = []
    private(set) var selectorPeers: [UInt32: PeerKey] = [:]
    private(set) var blockPeers: [(peer: UInt32, block: IPBlock)] = []
    /// Port names egress rules use: they resolve against the remote pod, so its
    /// identity class must carry their numbers.
    private(set) var namedPortsInEgress: Set<String> = []
    /// Each policy's rules with their peers as ids, in manifest order.
    private(set) var rulePeers: [ObjectRef: PolicyPeerIDs] = [:]

    /// `order`: the cluster's policies in the order their peers are numbered.
    init(cluster: Cluster, order: [ObjectRef], allocations: inout Allocations) {
        for ref in order {
            guard let policy = cluster.policies[ref] else { continue }
            var ids = PolicyPeerIDs()
            for rule in policy.spec.ingress { ids.ingress.append(intern(rule.from, ref, &allocations)) }
            for rule in policy.spec.egress { ids.egress.append(intern(rule.to, ref, &allocations)) }
            rulePeers[ref] = ids
            for port in policy.spec.egress.flatMap(\.ports) {
                if case .name(let name) = port.port { namedPortsInEgress.insert(name) }
            }
        }
    }

    private mutating func intern(_ peers: [NetworkPolicyPeer], _ policy: ObjectRef,
                                 _ allocations: inout Allocations) -> [UInt32] {
        peers.map { peer in
            let key = PeerKey(policyNamespace: policy.namespace, peer: peer)
            let id = allocations.peer(key)
            if peerIDs.insert(id).inserted {
                if let block = peer.ipBlock {
                    blockPeers.append((id, block))
                } else {
                    selectorPeers[id] = key
                }
            }
            return id
        }
    }
}

/// A policy's rules, each as the ids of its peers (empty: everyone).
struct PolicyPeerIDs {
    var ingress: [[UInt32]] = []
    var egress: [[UInt32]] = []
}
