import Model

/// What changed in the cluster since the last service plan, as far as services can tell: the
/// planner looks again only at these services, so one changed file among ten thousand costs
/// the planning of its own services.
public struct ServiceChanges: Sendable, Equatable {
    /// Services whose own manifest, or one of whose EndpointSlices, came, changed or went.
    public var services: Set<ObjectRef> = []
    /// Namespaces where a pod came, changed or went: any service there may select it or name
    /// it as an endpoint's target.
    public var podNamespaces: Set<String> = []

    public init() {}

    public var isEmpty: Bool { services.isEmpty && podNamespaces.isEmpty }

    /// Notes that `manifest` came or went (an update notes the old and the new version).
    public mutating func note(_ manifest: Manifest) {
        switch manifest {
        case .service(let service, _):
            services.insert(ObjectRef(namespace: service.namespace, name: service.name))
        case .endpointSlice(let slice, _):
            services.insert(ObjectRef(namespace: slice.namespace, name: slice.serviceName))
        case .pod(let pod, _):
            podNamespaces.insert(pod.namespace)
        case .namespace, .networkPolicy:
            break
        }
    }

    /// Notes the namespaces of the pods that differ between `old` and `new` (the CNI's pods,
    /// which replace those of the files without an edit to note).
    public mutating func notePods(from old: [ObjectRef: Pod], to new: [ObjectRef: Pod]) {
        for (ref, pod) in new where old[ref] != pod { podNamespaces.insert(ref.namespace) }
        for ref in old.keys where new[ref] == nil { podNamespaces.insert(ref.namespace) }
    }

    /// The services of `cluster` the changes may concern, and those named that are gone.
    func candidates(in cluster: Cluster) -> Set<ObjectRef> {
        var refs = services
        guard !podNamespaces.isEmpty else { return refs }
        for ref in cluster.services.keys where podNamespaces.contains(ref.namespace) { refs.insert(ref) }
        return refs
    }
}
