import CSluiceBPF
import Model
import Planner

/// Reading planned map entries back into the terms a user wrote.
extension sluice_ipcache_key {
    /// The prefix this key stands for; nil for a key no planner writes.
    var cidr: CIDR? {
        guard let address = IPAddress(abi: addr, family: family) else { return nil }
        return CIDR(address: address, prefixLength: Int(prefixlen) - Int(SLUICE_IPCACHE_PREFIX_BASE))
    }

    /// The full-length key the datapath looks `address` up with.
    init(lookingUp address: IPAddress) {
        self = zeroedABI(sluice_ipcache_key.self)
        prefixlen = UInt32(SLUICE_IPCACHE_PREFIX_BASE) + UInt32(address.family.bitWidth)
        family = address.family.abi
        addr = address.abi
    }
}

extension sluice_policy_key {
    /// `TCP`, `UDP`, `SCTP`, a protocol number, or `any` (every protocol).
    var protocolText: String {
        guard prefixlen >= UInt32(SLUICE_POLICY_PREFIX_ALL_PORTS) else { return "any" }
        return TransportProtocol.allCases.first { $0.ipProtocolNumber == self.protocol }?.rawValue ?? String(self.protocol)
    }

    /// The ports the key's prefix covers: `80`, `8080-8083`, or `any`.
    var portsText: String {
        let bits = Int(prefixlen) - Int(SLUICE_POLICY_PREFIX_ALL_PORTS)
        guard bits > 0 else { return "any" }
        let first = Int(UInt16(bigEndian: dport))
        let last = first + (1 << (16 - bits)) - 1
        return first == last ? String(first) : "\(first)-\(last)"
    }
}

extension sluice_direction {
    var name: String { self == SLUICE_DIR_INGRESS ? "ingress" : "egress" }
}

extension Cluster {
    /// Policies of the pod's namespace that select it and isolate `direction`, by name.
    func policies(isolating pod: ObjectRef, _ direction: sluice_direction) -> [ObjectRef] {
        guard let labels = pods[pod]?.labels else { return [] }
        return policies.filter { ref, policy in
            ref.namespace == pod.namespace && policy.spec.podSelector.matches(labels)
                && (direction == SLUICE_DIR_INGRESS ? policy.spec.isolatesIngress : policy.spec.isolatesEgress)
        }.map(\.key).sorted()
    }

    /// The pod that has `address`, hostNetwork pods aside (their address is the node's).
    func pod(withAddress address: IPAddress) -> ObjectRef? {
        pods.filter { !$0.value.spec.hostNetwork && $0.value.status.addresses.contains(address) }.keys.min()
    }
}
