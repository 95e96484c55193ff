import CSluiceBPF
import Model

/// One policy as the endpoints need it: its selector, and for each
/// direction it isolates, its rules with peers as interned ids. Built once
/// per plan, not once per endpoint.
struct PolicyRules {
    /// A rule of one direction, its peers as ids (empty: everyone).
    struct Rule {
        var policyID: UInt32
        var peers: [UInt32]
        var ports: [NetworkPolicyPort]
    }

    var ref: ObjectRef
    var policyID: UInt32
    var podSelector: LabelSelector
    /// nil when the policy does not isolate the direction.
    var ingress: [Rule]?
    var egress: [Rule]?

    /// Each namespace's policies, in `order` (name order).
    static func byNamespace(_ cluster: Cluster, order: [ObjectRef], peers: [ObjectRef: PolicyPeerIDs],
                            allocations: Allocations) -> [String: [PolicyRules]] {
        var result: [String: [PolicyRules]] = [:]
        for ref in order {
            guard let policy = cluster.policies[ref], let policyID = allocations.policies[ref] else { continue }
            let ids = peers[ref] ?? PolicyPeerIDs()
            let spec = policy.spec
            let ingress = zip(spec.ingress, ids.ingress).map { Rule(policyID: policyID, peers: $1, ports: $0.ports) }
            let egress = zip(spec.egress, ids.egress).map { Rule(policyID: policyID, peers: $1, ports: $0.ports) }
            result[ref.namespace, default: []].append(PolicyRules(
                ref: ref, policyID: policyID, podSelector: spec.podSelector,
                ingress: spec.isolatesIngress ? ingress : nil, egress: spec.isolatesEgress ? egress : nil))
        }
        return result
    }
}

/// The policy entries of one local pod: for each direction some policy
/// isolates, every (identity, protocol, port prefix) an allowing rule names.
struct EndpointRules {
    let endpointID: UInt32
    let pod: Pod
    let identities: PeerIdentities
    let allowHostTraffic: Bool
    private(set) var enforcedFlags: UInt32 = 0
    /// The policy each direction's drops are counted against: the first, by
    /// namespace/name (the order `collect` gets them in), of those isolating
    /// the pod in it; 0 when none does.
    private(set) var ingressPolicyID: UInt32 = 0
    private(set) var egressPolicyID: UInt32 = 0

    init(endpointID: UInt32, pod: Pod, identities: PeerIdentities, allowHostTraffic: Bool) {
        self.endpointID = endpointID
        self.pod = pod
        self.identities = identities
        self.allowHostTraffic = allowHostTraffic
    }

    /// `policies`: those of the pod's namespace.
    mutating func collect(_ policies: [PolicyRules], into entries: inout [sluice_policy_key: sluice_policy_value]) {
        var ingress: [PolicyRules.Rule] = []
        var egress: [PolicyRules.Rule] = []
        var isolatedIngress = false
        var isolatedEgress = false
        for policy in policies where policy.podSelector.matches(pod.labels) {
            if let rules = policy.ingress {
                if !isolatedIngress { ingressPolicyID = policy.policyID }
                isolatedIngress = true
                ingress += rules
            }
            if let rules = policy.egress {
                if !isolatedEgress { egressPolicyID = policy.policyID }
                isolatedEgress = true
                egress += rules
            }
        }
        if isolatedIngress { enforcedFlags |= UInt32(SLUICE_EP_ENFORCE_INGRESS.rawValue) }
        if isolatedEgress { enforcedFlags |= UInt32(SLUICE_EP_ENFORCE_EGRESS.rawValue) }
        for rule in ingress { add(rule, direction: SLUICE_DIR_INGRESS, into: &entries) }
        if isolatedIngress && allowHostTraffic { addHostTraffic(into: &entries) }
        for rule in egress { add(rule, direction: SLUICE_DIR_EGRESS, into: &entries) }
    }

    private func add(_ rule: PolicyRules.Rule, direction: sluice_direction,
                     into entries: inout [sluice_policy_key: sluice_policy_value]) {
        let value = sluice_policy_value(action: UInt16(SLUICE_ACTION_ALLOW.rawValue), flags: 0, policy_id: rule.policyID)
        // Only egress named ports depend on the remote; every other port list is the same for all.
        let perRemote = direction == SLUICE_DIR_EGRESS && rule.ports.contains { if case .named = $0.match { true } else { false } }
        let shared = perRemote ? [] : portKeys(rule.ports, direction: direction, remote: nil)
        for index in identities.matching(rule.peers) {
            let remote = identities.entries[index]
            let ports = perRemote ? portKeys(rule.ports, direction: direction, remote: remote.signature) : shared
            for (prefixBits, proto, port) in ports {
                var key = zeroedABI(sluice_policy_key.self)
                key.prefixlen = UInt32(prefixBits)
                key.endpoint_id = endpointID
                key.identity = remote.identity
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
        for index in identities.hosts {
            var key = zeroedABI(sluice_policy_key.self)
            key.prefixlen = UInt32(SLUICE_POLICY_PREFIX_ALL_PROTOCOLS)
            key.endpoint_id = endpointID
            key.identity = identities.entries[index].identity
            key.direction = UInt8(SLUICE_DIR_INGRESS.rawValue)
            if entries[key] == nil {
                entries[key] = sluice_policy_value(action: UInt16(SLUICE_ACTION_ALLOW.rawValue), flags: 0, policy_id: 0)
            }
        }
    }

    /// (LPM prefix length, protocol, first port) triples for a rule's ports.
    /// Named ports resolve against this pod for ingress and against the
    /// remote pod (carried in its signature) for egress; unresolved names match nothing.
    private func portKeys(_ ports: [NetworkPolicyPort], direction: sluice_direction,
                          remote: IdentitySignature?) -> [(Int, UInt8, UInt16)] {
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
                    : (remote?.namedPorts ?? []).filter { $0.name == name && $0.protocol == port.protocol }.map(\.port)
                keys += Set(numbers).sorted().map { (allPorts + 16, proto, $0) }
            }
        }
        return keys
    }
}
