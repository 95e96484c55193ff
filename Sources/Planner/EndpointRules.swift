import CSluiceBPF
import Model

/// The policy entries of one local pod: for each direction some policy
/// isolates, every (identity, protocol, port prefix) an allowing rule names.
struct EndpointRules {
    let endpointID: UInt32
    let pod: Pod
    let cluster: Cluster
    let identities: [IdentitySignature: UInt32]
    let allocations: Allocations
    let allowHostTraffic: Bool
    private(set) var enforcedFlags: UInt32 = 0

    init(endpointID: UInt32, pod: Pod, cluster: Cluster, identities: [IdentitySignature: UInt32],
         allocations: Allocations, allowHostTraffic: Bool) {
        self.endpointID = endpointID
        self.pod = pod
        self.cluster = cluster
        self.identities = identities
        self.allocations = allocations
        self.allowHostTraffic = allowHostTraffic
    }

    /// A rule of one direction, its peers as ids (empty: everyone).
    private struct Rule {
        var policyID: UInt32
        var peers: [UInt32]
        var ports: [NetworkPolicyPort]
    }

    private func rule(_ policyID: UInt32, _ namespace: String, _ peers: [NetworkPolicyPeer],
                      _ ports: [NetworkPolicyPort]) -> Rule {
        // Every peer was interned when the identity classes were built.
        let ids = peers.compactMap { allocations.peers[PeerKey(policyNamespace: namespace, peer: $0)] }
        return Rule(policyID: policyID, peers: ids, ports: ports)
    }

    mutating func collect(into entries: inout [sluice_policy_key: sluice_policy_value]) {
        var ingress: [Rule] = []
        var egress: [Rule] = []
        var isolatedIngress = false
        var isolatedEgress = false
        for (ref, policy) in cluster.policies where ref.namespace == pod.namespace {
            guard policy.spec.podSelector.matches(pod.labels), let policyID = allocations.policies[ref] else { continue }
            if policy.spec.isolatesIngress {
                isolatedIngress = true
                ingress += policy.spec.ingress.map { rule(policyID, ref.namespace, $0.from, $0.ports) }
            }
            if policy.spec.isolatesEgress {
                isolatedEgress = true
                egress += policy.spec.egress.map { rule(policyID, ref.namespace, $0.to, $0.ports) }
            }
        }
        if isolatedIngress { enforcedFlags |= UInt32(SLUICE_EP_ENFORCE_INGRESS.rawValue) }
        if isolatedEgress { enforcedFlags |= UInt32(SLUICE_EP_ENFORCE_EGRESS.rawValue) }
        for rule in ingress { add(rule, direction: SLUICE_DIR_INGRESS, into: &entries) }
        if isolatedIngress && allowHostTraffic { addHostTraffic(into: &entries) }
        for rule in egress { add(rule, direction: SLUICE_DIR_EGRESS, into: &entries) }
    }

    private func add(_ rule: Rule, direction: sluice_direction,
                     into entries: inout [sluice_policy_key: sluice_policy_value]) {
        let value = sluice_policy_value(action: UInt16(SLUICE_ACTION_ALLOW.rawValue), flags: 0, policy_id: rule.policyID)
        for (signature, identity) in identities where matches(rule, signature) {
            for (prefixBits, proto, port) in portKeys(rule.ports, direction: direction, remote: signature) {
                var key = zeroedABI(sluice_policy_key.self)
                key.prefixlen = UInt32(prefixBits)
                key.endpoint_id = endpointID
                key.identity = identity
                key.direction = UInt8(direction.rawValue)
                key.protocol = proto
                key.dport = port.bigEndian
                // Several rules may allow the same thing: the lowest policy id is credited.
                if let existing = entries[key], existing.policy_id <= value.policy_id { continue }
                entries[key] = value
            }
        }
    }

    /// Every protocol from the node's own addresses, credited to no policy (id 0).
    private func addHostTraffic(into entries: inout [sluice_policy_key: sluice_policy_value]) {
        for (signature, identity) in identities where signature.isHost {
            var key = zeroedABI(sluice_policy_key.self)
            key.prefixlen = UInt32(SLUICE_POLICY_PREFIX_ALL_PROTOCOLS)
            key.endpoint_id = endpointID
            key.identity = identity
            key.direction = UInt8(SLUICE_DIR_INGRESS.rawValue)
            if entries[key] == nil {
                entries[key] = sluice_policy_value(action: UInt16(SLUICE_ACTION_ALLOW.rawValue), flags: 0, policy_id: 0)
            }
        }
    }

    /// An empty peer list allows everyone; otherwise any listed peer must match.
    private func matches(_ rule: Rule, _ signature: IdentitySignature) -> Bool {
        rule.peers.isEmpty || rule.peers.contains { signature.peers.contains($0) }
    }

    /// (LPM prefix length, protocol, first port) triples for a rule's ports.
    /// Named ports resolve against this pod for ingress and against the
    /// remote pod (carried in its signature) for egress; unresolved names match nothing.
    private func portKeys(_ ports: [NetworkPolicyPort], direction: sluice_direction,
                          remote: IdentitySignature) -> [(Int, UInt8, UInt16)] {
        if ports.isEmpty { return [(Int(SLUICE_POLICY_PREFIX_ALL_PROTOCOLS), 0, 0)] }
        let allPorts = Int(SLUICE_POLICY_PREFIX_ALL_PORTS)
        var keys: [(Int, UInt8, UInt16)] = []
        for port in ports {
            let proto = port.protocol.ipProtocolNumber
            switch port.match {
            case .all:
                keys.append((allPorts, proto, 0))
            case .range(let range):
                keys += portPrefixes(range).map { (allPorts + $0.bits, proto, $0.port) }
            case .named(let name):
                let numbers = direction == SLUICE_DIR_INGRESS
                    ? pod.spec.containers.flatMap(\.ports)
                        .filter { $0.name == name && $0.protocol == port.protocol }.map(\.containerPort)
                    : remote.namedPorts.filter { $0.name == name && $0.protocol == port.protocol }.map(\.port)
                keys += Set(numbers).sorted().map { (allPorts + 16, proto, $0) }
            }
        }
        return keys
    }
}
