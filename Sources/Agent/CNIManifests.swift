import CNI
import Model
import Planner

/// Joins the pods `sluice-cni` attached with the `v1 Pod` manifests of the policy
/// directory, so policy applies to them exactly as to any other pod. The manifest of the
/// same namespace and name gives labels, annotations and named ports; the CNI gives what
/// it knows better: the pod is on this node, these are its addresses, this veth is its
/// host interface. A CNI pod without a manifest is a pod without labels.
enum CNIManifests {
    static func merge(_ manifests: [Manifest], endpoints: [CNIEndpoint], nodeName: String) -> [Manifest] {
        guard !endpoints.isEmpty else { return manifests }
        // While a pod's sandbox is replaced, the old one's DEL can come after the new one's
        // ADD. The newest keeps the pod's name; older ones keep its labels under a derived
        // name, so every registered veth stays enforced.
        var byPod: [ObjectRef: [CNIEndpoint]] = [:]
        for endpoint in endpoints {
            byPod[ObjectRef(namespace: endpoint.podNamespace, name: endpoint.podName), default: []].append(endpoint)
        }
        for ref in byPod.keys {
            byPod[ref]?.sort { ($0.registeredAt, $1.key) > ($1.registeredAt, $0.key) }
        }

        var merged: [Manifest] = []
        var joined: Set<ObjectRef> = []
        for manifest in manifests {
            guard case .pod(let pod, let source) = manifest else {
                merged.append(manifest)
                continue
            }
            let ref = ObjectRef(namespace: pod.namespace, name: pod.name)
            guard let group = byPod[ref], !joined.contains(ref) else {
                merged.append(manifest)
                continue
            }
            joined.insert(ref)
            merged += group.enumerated().map { .pod(attached(pod, $0.element, primary: $0.offset == 0, nodeName: nodeName), source: source) }
        }
        for ref in byPod.keys.sorted() where !joined.contains(ref) {
            guard let group = byPod[ref] else { continue }
            let bare = Pod(metadata: ObjectMeta(name: ref.name, namespace: ref.namespace))
            for (index, endpoint) in group.enumerated() {
                merged.append(.pod(attached(bare, endpoint, primary: index == 0, nodeName: nodeName),
                                   source: ManifestSource(file: "cni:\(endpoint.key)", line: 0)))
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
