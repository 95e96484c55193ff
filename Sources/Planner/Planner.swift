import CSluiceBPF
import Model

/// Turns the cluster into the maps' desired contents. Pure: the same cluster
/// and allocations give the same state, bit for bit.
public enum Planner {
    public static func plan(_ cluster: Cluster, nodeName: String, allocations: inout Allocations) -> DesiredState {
        var state = DesiredState()
        let classes = IdentityClasses(cluster: cluster)

        var identityOf: [IdentitySignature: UInt32] = [.world: UInt32(SLUICE_IDENTITY_WORLD.rawValue)]
        for signature in classes.signatures where signature != .world {
            identityOf[signature] = allocations.identity(signature, first: UInt32(SLUICE_IDENTITY_FIRST.rawValue))
        }
        for (identity, signature) in identityOf.map({ ($0.value, $0.key) }) {
            state.identities[identity] = signature
        }
        for (prefix, signature) in classes.prefixes {
            state.ipcache[IPCacheKeys.key(for: prefix)] = sluice_ipcache_value(identity: identityOf[signature] ?? 1, flags: 0)
        }

        for ref in cluster.policies.keys.sorted() {
            state.policyNames[allocations.policy(ref)] = ref
        }

        let localPods = cluster.pods.filter { _, pod in
            pod.spec.nodeName == nodeName && !pod.spec.hostNetwork && !pod.status.addresses.isEmpty
        }
        for (ref, pod) in localPods.sorted(by: { $0.key < $1.key }) {
            let endpointID = allocations.endpoint(ref)
            var rules = EndpointRules(endpointID: endpointID, pod: pod, cluster: cluster,
                                      identities: identityOf, allocations: allocations)
            rules.collect(into: &state.policy)
            var flags = rules.enforcedFlags
            if cluster.isAudited(namespace: ref.namespace) { flags |= UInt32(SLUICE_EP_AUDIT.rawValue) }
            state.endpoints.append(PlannedEndpoint(
                pod: ref, endpointID: endpointID, flags: flags, addresses: pod.status.addresses,
                hostInterface: pod.metadata.annotations[PlannerAnnotations.hostInterface]))
        }

        state.services = ServicePlanner.plan(cluster, allocations: &allocations.services)
        allocations.retain(endpoints: Set(localPods.keys), identities: Set(identityOf.keys),
                           policies: Set(cluster.policies.keys))
        return state
    }
}
