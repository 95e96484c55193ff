import CNI
import Model
import Planner

/// Joins the pods `sluice-cni` attached with the `v1 Pod` manifests of the policy
/// directory, so policy applies to them exactly as to any other pod. The manifest of the
/// same namespace and name gives labels, annotations and named ports; the CNI gives what
/// it knows better: the pod is on this node, these are its addresses, this veth is its
/// host interface. A CNI pod without a manifest is a pod without labels.
enum CNIManifests {
    static func merge(_ cluster: Cluster, endpoints: [CNIEndpoint], nodeName: String) -> Cluster {
        guard !endpoints.isEmpty else { return cluster }
        // While a pod's sandbox is replaced, the old one's DEL can come after the new one's
        // ADD. The newest keeps the pod's name; older ones keep its labels under a derived
        // name, so every registered veth stays enforced.
        var byPod: [ObjectRef: [CNIEndpoint]] = [:]
        for endpoint in endpoints {
            byPod[ObjectRef(namespace: endpoint.podNamespace, name: endpoint.podName), default: []].append(endpoint)
        }
        var merged = cluster
        for (ref, group) in byPod {
            let sorted = group.sorted { ($0.registeredAt, $1.key) > ($1.registeredAt, $0.key) }
            let pod = cluster.pods[ref] ?? Pod(metadata: ObjectMeta(name: ref.name, namespace: ref.namespace))
            for (index, endpoint) in sorted.enumerated() {
                merged.replace(attached(pod, endpoint, primary: index == 0, nodeName: nodeName))
            }
        }
        return merged
    }

    private static func attached(_ pod: Pod, _ endpoint: CNIEndpoint, primary: Bool, nodeName: String) -> Pod {
        var result = pod
        if !primary {
            result.metadata.name = "\(pod.name)~\(endpoint.key.containerID.prefix(12))-\(endpoint.key.ifname)"
        }
        result.metadata.annotations[PlannerAnnotations.hostInterface] = endpoint.hostInterface
        result.spec.nodeName = nodeName
        result.spec.hostNetwork = false
        let addresses = endpoint.addresses.compactMap { IPAddress($0) }.sorted()
        result.status.podIP = addresses.first
        result.status.podIPs = addresses
        return result
    }
}
