import CSluiceBPF
import Model
import Planner

extension PolicyExplainer {
    /// What `local`'s `direction` check does with a new flow to or from `remote`.
    func side(_ direction: sluice_direction, local: Resolved, remote: Resolved,
              query: ExplainQuery) -> ExplainDocument.Side {
        let name = direction.name
        var side = ExplainDocument.Side(direction: name, outcome: "", reason: "", isolatedBy: [], rules: [])
        guard let endpoint = local.endpoint else {
            side.outcome = "not-local"
            side.reason = direction == SLUICE_DIR_EGRESS
                ? "the source is not a pod on this node: its egress is checked where it runs"
                : "the destination is not a pod on this node: its ingress is checked where it runs"
            return side
        }
        side.endpoint = endpoint.pod.description
        side.interface = interfaces[endpoint.pod.description]
        side.isolatedBy = cluster.policies(isolating: endpoint.pod, direction).map(\.description)
        guard side.interface != nil else {
            side.outcome = "no-interface"
            side.reason = "\(endpoint.pod)'s host interface is not found yet: its traffic passes unchecked"
            return side
        }
        let enforceFlag = direction == SLUICE_DIR_INGRESS ? SLUICE_EP_ENFORCE_INGRESS : SLUICE_EP_ENFORCE_EGRESS
        guard endpoint.flags & UInt32(enforceFlag.rawValue) != 0 else {
            side.outcome = "not-enforced"
            side.reason = "no policy isolates \(endpoint.pod) for \(name)"
            return side
        }

        var key = zeroedABI(sluice_policy_key.self)
        key.prefixlen = UInt32(SLUICE_POLICY_PREFIX_FULL)
        key.endpoint_id = endpoint.endpointID
        key.identity = remote.identity
        key.direction = UInt8(direction.rawValue)
        key.protocol = query.protocol.ipProtocolNumber
        key.dport = query.port.bigEndian
        let found = LongestPrefixMatch.lookup(key, in: plan.policy)
        side.entry = found.map { key, value in
            ExplainDocument.Entry(identity: key.identity, protocol: key.protocolText, ports: key.portsText,
                                  action: value.action == UInt16(SLUICE_ACTION_ALLOW.rawValue) ? "allow" : "deny",
                                  policyID: value.policy_id)
        }
        side.rules = allowingRules(endpoint: endpoint, direction: direction, remote: remote, query: query)
        let flow = "\(query.port)/\(query.protocol.rawValue) \(direction == SLUICE_DIR_INGRESS ? "from" : "to") identity \(remote.identity)"

        if let (_, value) = found, value.action == UInt16(SLUICE_ACTION_ALLOW.rawValue) {
            side.outcome = "allowed"
            if value.policy_id == 0 {
                side.reason = "the node's own address may reach its pods (--allow-host-traffic)"
            } else {
                let policy = plan.policyNames[value.policy_id]?.description ?? "policy id \(value.policy_id)"
                side.policy = policy
                side.reason = "\(policy) allows \(flow)"
            }
            return side
        }
        let audited = endpoint.flags & UInt32(SLUICE_EP_AUDIT.rawValue) != 0
        side.outcome = audited ? "audit" : "denied"
        let why = found == nil
            ? "no rule of \(side.isolatedBy.joined(separator: ", ")) allows \(flow)"
            : "a deny entry matches \(flow)"
        side.reason = audited ? why + "; the namespace is in audit mode, so it is forwarded and counted" : why
        return side
    }
}
