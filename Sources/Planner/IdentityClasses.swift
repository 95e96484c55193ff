import Model

/// Splits the address space into classes that every policy peer treats alike.
///
/// The ipcache gets one prefix per pod address, per ipBlock cidr and except,
/// the node's own addresses, and the two default routes. An address's longest matching prefix decides
/// its class: the listed prefixes containing an address form a chain, and the
/// longest one determines the whole chain, hence every ipBlock's verdict. Pod
/// addresses add the selectors that match the pod. Unlike Cilium, ipBlock
/// therefore applies to pod addresses too, as Kubernetes says it does.
///
/// Cost grows with pods plus peers, not their product: selectors are matched
/// once per group of pods sharing a namespace and labels (a Deployment's
/// replicas), and blocks are found through a `BlockIndex`.
struct IdentityClasses {
    /// Each listed prefix and the index of its class in `signatures`.
    private(set) var prefixes: [CIDR: Int] = [:]
    /// The distinct classes; index 0 is WORLD (matched by no peer).
    private(set) var signatures: [IdentitySignature] = [.world]
    private var classOf: [IdentitySignature: Int] = [.world: 0]

    /// `peers`: every policy's peers, interned.
    init(cluster: Cluster, peers: PolicyPeers, nodeAddresses: [IPAddress] = []) {
        let blockPeers = peers.blockPeers
        let selectorPeers = peers.selectorPeers
        let namedPortsInEgress = peers.namedPortsInEgress
        let blocks = BlockIndex(blockPeers)

        var cidrs: Set<CIDR> = [CIDRs.allIPv4, CIDRs.allIPv6]
        for (_, block) in blockPeers {
            cidrs.insert(block.cidr)
            cidrs.formUnion(block.except)
        }
        for cidr in cidrs {
            prefixes[cidr] = intern(IdentitySignature(peers: Set(blocks.peers(containing: cidr)), namedPorts: []))
        }

        // After the blocks and before the pods: a pod never has a node address.
        for address in nodeAddresses {
            prefixes[CIDR(host: address)] = intern(IdentitySignature(
                peers: Set(blocks.peers(containing: address)), namedPorts: [], isHost: true))
        }

        let groups = PodGroups(cluster: cluster)
        let groupPeers = groups.peersMatching(selectorPeers, in: cluster)
        var groupClass: [Int?] = Array(repeating: nil, count: groups.count)
        // Two live pods should never share an address; if they do, the first by name holds it,
        // whatever order the dictionary gives.
        var holders: [IPAddress: ObjectRef] = [:]
        for (ref, pod) in cluster.pods where !pod.spec.hostNetwork && !pod.status.isTerminated {
            guard let group = groups.group(of: ref) else { continue }
            let namedPorts = namedPortsInEgress.isEmpty ? [] : pod.spec.containers.flatMap(\.ports).compactMap {
                port -> NamedPort? in
                guard let name = port.name, namedPortsInEgress.contains(name) else { return nil }
                return NamedPort(name: name, protocol: port.protocol, port: port.containerPort)
            }
            for address in pod.status.addresses {
                if let holder = holders[address], holder < ref { continue }
                holders[address] = ref
                let inBlocks = blocks.isEmpty ? [] : blocks.peers(containing: address)
                if inBlocks.isEmpty && namedPorts.isEmpty, let index = groupClass[group] {
                    prefixes[CIDR(host: address)] = index
                    continue
                }
                let index = intern(IdentitySignature(peers: groupPeers[group].union(inBlocks),
                                                     namedPorts: Set(namedPorts)))
                if inBlocks.isEmpty && namedPorts.isEmpty { groupClass[group] = index }
                prefixes[CIDR(host: address)] = index
            }
        }
    }

    private mutating func intern(_ signature: IdentitySignature) -> Int {
        if let index = classOf[signature] { return index }
        signatures.append(signature)
        classOf[signature] = signatures.count - 1
        return signatures.count - 1
    }
}

/// Pods grouped by namespace and labels: every selector treats a group's pods alike.
private struct PodGroups {
    private struct Key: Hashable {
        var namespace: String
        var labels: [String: String]
    }

    private var groupOf: [ObjectRef: Int] = [:]
    private var keys: [Key] = []
    private var byNamespace: [String: [Int]] = [:]

    init(cluster: Cluster) {
        var index: [Key: Int] = [:]
        for (ref, pod) in cluster.pods where !pod.spec.hostNetwork {
            let key = Key(namespace: ref.namespace, labels: pod.labels)
            if let group = index[key] {
                groupOf[ref] = group
                continue
            }
            index[key] = keys.count
            groupOf[ref] = keys.count
            byNamespace[ref.namespace, default: []].append(keys.count)
            keys.append(key)
        }
    }

    var count: Int { keys.count }

    func group(of ref: ObjectRef) -> Int? { groupOf[ref] }

    /// The selector peers matching each group. Walks each peer's candidate
    /// namespaces only (its own for a bare podSelector, those its
    /// namespaceSelector matches otherwise).
    func peersMatching(_ peers: [UInt32: PeerKey], in cluster: Cluster) -> [Set<UInt32>] {
        var matched = [Set<UInt32>](repeating: [], count: keys.count)
        for (id, key) in peers {
            let namespaces: [String]
            if let selector = key.peer.namespaceSelector {
                namespaces = cluster.namespaceLabels.filter { selector.matches($0.value) }.map(\.key)
            } else if key.peer.podSelector != nil {
                namespaces = [key.policyNamespace]
            } else {
                namespaces = []
            }
            for namespace in namespaces {
                for group in byNamespace[namespace] ?? [] where key.peer.podSelector?.matches(keys[group].labels) ?? true {
                    matched[group].insert(id)
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
