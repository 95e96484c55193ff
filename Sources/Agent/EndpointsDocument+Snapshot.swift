import CSluiceBPF

extension EndpointsDocument {
    init(snapshot: AgentStatus.Snapshot) {
        guard let plan = snapshot.plan else {
            endpoints = []
            return
        }
        var entries: [UInt32: (ingress: Int, egress: Int)] = [:]
        for key in plan.policy.keys {
            if key.direction == UInt8(SLUICE_DIR_INGRESS.rawValue) {
                entries[key.endpoint_id, default: (0, 0)].ingress += 1
            } else {
                entries[key.endpoint_id, default: (0, 0)].egress += 1
            }
        }
        endpoints = plan.endpoints.sorted { $0.pod < $1.pod }.map { endpoint in
            var enforced: [String] = []
            if endpoint.flags & UInt32(SLUICE_EP_ENFORCE_INGRESS.rawValue) != 0 { enforced.append("ingress") }
            if endpoint.flags & UInt32(SLUICE_EP_ENFORCE_EGRESS.rawValue) != 0 { enforced.append("egress") }
            let counts = entries[endpoint.endpointID] ?? (0, 0)
            return Endpoint(
                pod: endpoint.pod.description, id: endpoint.endpointID, addresses: endpoint.addresses.map(\.description),
                interface: snapshot.interfaces[endpoint.pod.description], enforced: enforced,
                audit: endpoint.flags & UInt32(SLUICE_EP_AUDIT.rawValue) != 0,
                ingressEntries: counts.ingress, egressEntries: counts.egress)
        }
    }
}
