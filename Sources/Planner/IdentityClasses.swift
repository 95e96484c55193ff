import Model

/// Splits the address space into classes that every policy peer treats alike.
///
/// The ipcache gets one prefix per pod address, per ipBlock cidr and except,
/// the node's own addresses, and the two default routes. An address's longest matching prefix decides
/// its class: the listed prefixes containing an address form a chain, and the
/// longest one determines the whole chain, hence every ipBlock's verdict. Pod
/// addresses add the selectors that match the pod. Unlike Cilium, ipBlock
/// therefore applies to pod addresses too, as Kubernetes says it does.
struct IdentityClasses {
    private(set) var prefixes: [CIDR: IdentitySignature] = [:]

    var signatures: Set<IdentitySignature> { Set(prefixes.values).union([.world]) }

    /// Every peer of every policy, as interned in the allocations.
    private(set) var peerKeys: Set<PeerKey> = []

    init(cluster: Cluster, nodeAddresses: [IPAddress] = [], allocations: inout Allocations) {
        var selectorPeers: [PeerKey] = []
        var blockPeers: [(key: UInt32, block: IPBlock)] = []
        var namedPortsInEgress: Set<String> = []
        for ref in cluster.policies.keys.sorted() {
            guard let policy = cluster.policies[ref] else { continue }
            let peers = policy.spec.ingress.flatMap(\.from) + policy.spec.egress.flatMap(\.to)
            for peer in peers {
                let key = PeerKey(policyNamespace: ref.namespace, peer: peer)
                peerKeys.insert(key)
                if let block = peer.ipBlock {
                    blockPeers.append((allocations.peer(key), block))
                } else {
                    selectorPeers.append(key)
                }
            }
            for port in policy.spec.egress.flatMap(\.ports) {
                if case .name(let name) = port.port { namedPortsInEgress.insert(name) }
            }
        }

        var cidrs: Set<CIDR> = [CIDRs.allIPv4, CIDRs.allIPv6]
        for (_, block) in blockPeers {
            cidrs.insert(block.cidr)
            cidrs.formUnion(block.except)
        }
        for cidr in cidrs {
            let peers = blockPeers.filter { _, block in
                block.cidr.contains(cidr) && !block.except.contains { $0.contains(cidr) }
            }.map(\.key)
            prefixes[cidr] = IdentitySignature(peers: Set(peers), namedPorts: [])
        }

        // After the blocks and before the pods: a pod never has a node address.
        for address in nodeAddresses {
            let inBlocks = blockPeers.filter { $0.block.contains(address) }.map(\.key)
            prefixes[CIDR(host: address)] = IdentitySignature(peers: Set(inBlocks), namedPorts: [], isHost: true)
        }

        let matched = Self.podsMatched(by: Set(selectorPeers), in: cluster, allocations: &allocations)
        for (ref, pod) in cluster.pods where !pod.spec.hostNetwork {
            let namedPorts = pod.spec.containers.flatMap(\.ports).compactMap { port -> NamedPort? in
                guard let name = port.name, namedPortsInEgress.contains(name) else { return nil }
                return NamedPort(name: name, protocol: port.protocol, port: port.containerPort)
            }
            for address in pod.status.addresses {
                let inBlocks = blockPeers.filter { $0.block.contains(address) }.map(\.key)
                prefixes[CIDR(host: address)] = IdentitySignature(
                    peers: Set(matched[ref] ?? []).union(inBlocks), namedPorts: Set(namedPorts))
            }
        }
    }

    /// The selector peers matching each pod. Walks each peer's candidate
    /// namespaces only (its own for a bare podSelector, those its
    /// namespaceSelector matches otherwise), not every pod for every peer.
    private static func podsMatched(by peers: Set<PeerKey>, in cluster: Cluster,
                                    allocations: inout Allocations) -> [ObjectRef: [UInt32]] {
        var podsByNamespace: [String: [(ObjectRef, Pod)]] = [:]
        for (ref, pod) in cluster.pods where !pod.spec.hostNetwork {
            podsByNamespace[ref.namespace, default: []].append((ref, pod))
        }
        var matched: [ObjectRef: [UInt32]] = [:]
        for key in peers {
            let id = allocations.peer(key)
            let namespaces: [String]
            if let selector = key.peer.namespaceSelector {
                namespaces = cluster.namespaceLabels.filter { selector.matches($0.value) }.map(\.key)
            } else if key.peer.podSelector != nil {
                namespaces = [key.policyNamespace]
            } else {
                namespaces = []
            }
            for namespace in namespaces {
                for (ref, pod) in podsByNamespace[namespace] ?? [] where key.peer.podSelector?.matches(pod.labels) ?? true {
                    matched[ref, default: []].append(id)
                }
            }
        }
        return matched
    }
}

enum CIDRs {
    static let allIPv4 = CIDR(address: IPAddress(v4: 0, 0, 0, 0), prefixLength: 0) ?? CIDR(host: IPAddress(v4: 0, 0, 0, 0))
    static let allIPv6: CIDR = {
        let zero = IPAddress(bytes: [UInt8](repeating: 0, count: 16)) ?? IPAddress(v4: 0, 0, 0, 0)
        return CIDR(address: zero, prefixLength: 0) ?? CIDR(host: zero)
    }()
}
