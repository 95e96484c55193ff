import TestSupport

/// Pod addresses for `ipBlock` scenarios, which have to name real addresses.
extension ConformanceCluster {
    /// `pod`'s address in `family`; a pod the topology lacks fails the scenario.
    func address(of pod: PodID, _ family: AddressFamily) throws -> String {
        guard let found = state.withLock({ $0.pods[pod] }) else { throw ConformanceError("pod \(pod) is not in the topology") }
        return found.address(family)
    }

    /// `pod`'s address as a single-address block ("10.200.0.14/32", "fd00:200::14/128").
    func hostBlock(of pod: PodID, _ family: AddressFamily) throws -> String {
        try address(of: pod, family) + (family == .ipv4 ? "/32" : "/128")
    }

    /// The pods whose address in `block`'s family lies inside it.
    func pods(inside block: AddressBlock) -> [PodID] {
        state.withLock { state in
            state.pods.filter { block.contains($0.value.ipv4) || block.contains($0.value.ipv6) }.keys.sorted()
        }
    }
}
