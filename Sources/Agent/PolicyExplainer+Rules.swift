import CSluiceBPF
import Model
import Planner

extension PolicyExplainer {
    /// Rules of the policies isolating `endpoint` in `direction` that allow
    /// the flow: a peer matches when the remote identity's signature holds
    /// its id (no peers: everyone), a port when protocol and number agree
    /// (no ports: everything). Named ports resolve as the planner resolves
    /// them: against the local pod for ingress, the remote pod for egress.
    func allowingRules(endpoint: PlannedEndpoint, direction: sluice_direction, remote: Resolved,
                       query: ExplainQuery) -> [String] {
        let signature = plan.identities[remote.identity] ?? .world
        let localPorts = cluster.pods[endpoint.pod]?.spec.containers.flatMap(\.ports) ?? []
        var rules: [String] = []
        for ref in cluster.policies(isolating: endpoint.pod, direction) {
            guard let spec = cluster.policies[ref]?.spec else { continue }
            let list: [(peers: [NetworkPolicyPeer], ports: [NetworkPolicyPort])] = direction == SLUICE_DIR_INGRESS
                ? spec.ingress.map { ($0.from, $0.ports) }
                : spec.egress.map { ($0.to, $0.ports) }
            for (index, rule) in list.enumerated() {
                let peerMatches = rule.peers.isEmpty || rule.peers.contains { peer in
                    peers.id(of: peer, inPolicyNamespace: ref.namespace).map(signature.peers.contains) ?? false
                }
                let portMatches = rule.ports.isEmpty || rule.ports.contains { port in
                    guard port.protocol == query.protocol else { return false }
                    switch port.match {
                    case .all:
                        return true
                    case .range(let range):
                        return range.contains(query.port)
                    case .named(let name):
                        return direction == SLUICE_DIR_INGRESS
                            ? localPorts.contains { $0.name == name && $0.protocol == port.protocol && $0.containerPort == query.port }
                            : signature.namedPorts.contains { $0.name == name && $0.protocol == port.protocol && $0.port == query.port }
                    }
                }
                if peerMatches && portMatches { rules.append("\(ref) \(direction.name)[\(index)]") }
            }
        }
        return rules
    }
}
