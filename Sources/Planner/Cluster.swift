import HashTreeCollections
import Model

/// A pod's or policy's name within its namespace.
public struct ObjectRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public var description: String { "\(namespace)/\(name)" }

    public static func < (lhs: ObjectRef, rhs: ObjectRef) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

/// Everything the manifests say about the cluster, as the planner needs it.
public struct Cluster: Sendable, Equatable {
    /// Namespace labels, `kubernetes.io/metadata.name` included, for every
    /// namespace that has a manifest or holds a pod or policy.
    public private(set) var namespaceLabels: [String: [String: String]] = [:]
    public private(set) var namespaceAnnotations: [String: [String: String]] = [:]
    public private(set) var pods: [ObjectRef: Pod] = [:]
    public private(set) var policies: [ObjectRef: NetworkPolicy] = [:]
    /// Persistent (hash tries), so the agent's status keeps the last cluster while the next
    /// is made from it, one file's objects changed, without copying ten thousand services.
    public private(set) var services: TreeDictionary<ObjectRef, Service> = [:]
    public private(set) var endpointSlices: TreeDictionary<ObjectRef, EndpointSlice> = [:]
    /// Each service's slices by name, so a service's backends are found without a scan.
    private var sliceNames: TreeDictionary<ObjectRef, [String]> = [:]

    /// Namespaces with a manifest, and how many pods and policies each holds:
    /// the others exist only while something is in them.
    private var declaredNamespaces: Set<String> = []
    private var namespaceReferences: [String: Int] = [:]

    public init() {}

    /// Builds the cluster from manifests; for the same kind and name the first one wins
    /// (callers pass files in a fixed order).
    public init(manifests: [Manifest]) {
        add(manifests)
    }

    /// Adds what `manifests` define; an object already present stays as it is.
    public mutating func add(_ manifests: [Manifest]) {
        for manifest in manifests {
            switch manifest {
            case .namespace(let namespace, _):
                guard !declaredNamespaces.contains(namespace.name) else { continue }
                declaredNamespaces.insert(namespace.name)
                namespaceAnnotations[namespace.name] = namespace.metadata.annotations
                var labels = namespace.labels
                labels[Namespace.nameLabel] = namespace.name
                namespaceLabels[namespace.name] = labels
            case .pod(let pod, _):
                let ref = ObjectRef(namespace: pod.namespace, name: pod.name)
                guard pods[ref] == nil else { continue }
                pods[ref] = pod
                referenceNamespace(ref.namespace)
            case .networkPolicy(let policy, _):
                let ref = ObjectRef(namespace: policy.namespace, name: policy.name)
                guard policies[ref] == nil else { continue }
                policies[ref] = policy
                referenceNamespace(ref.namespace)
            case .service(let service, _):
                let ref = ObjectRef(namespace: service.namespace, name: service.name)
                if services[ref] == nil { services[ref] = service }
            case .endpointSlice(let slice, _):
                let ref = ObjectRef(namespace: slice.namespace, name: slice.name)
                guard endpointSlices[ref] == nil else { continue }
                endpointSlices[ref] = slice
                let service = ObjectRef(namespace: slice.namespace, name: slice.serviceName)
                var names = sliceNames[service] ?? []
                names.insert(slice.name, at: names.firstIndex { $0 > slice.name } ?? names.endIndex)
                sliceNames[service] = names
            }
        }
    }

    /// Removes the objects `manifests` define, whichever definition is in force:
    /// for callers that never add one object twice (the agent's manifest store
    /// refuses duplicates), `remove(old)` then `add(new)` is a file's update.
    public mutating func remove(_ manifests: [Manifest]) {
        for manifest in manifests {
            switch manifest {
            case .namespace(let namespace, _):
                guard declaredNamespaces.remove(namespace.name) != nil else { continue }
                namespaceLabels[namespace.name] = nil
                namespaceAnnotations[namespace.name] = nil
                if namespaceReferences[namespace.name] != nil { implicitNamespace(namespace.name) }
            case .pod(let pod, _):
                let ref = ObjectRef(namespace: pod.namespace, name: pod.name)
                if pods.removeValue(forKey: ref) != nil { dereferenceNamespace(ref.namespace) }
            case .networkPolicy(let policy, _):
                let ref = ObjectRef(namespace: policy.namespace, name: policy.name)
                if policies.removeValue(forKey: ref) != nil { dereferenceNamespace(ref.namespace) }
            case .service(let service, _):
                services[ObjectRef(namespace: service.namespace, name: service.name)] = nil
            case .endpointSlice(let slice, _):
                guard let removed = endpointSlices.removeValue(forKey: ObjectRef(namespace: slice.namespace, name: slice.name))
                else { continue }
                let service = ObjectRef(namespace: removed.namespace, name: removed.serviceName)
                let names = (sliceNames[service] ?? []).filter { $0 != removed.name }
                sliceNames[service] = names.isEmpty ? nil : names
            }
        }
    }

    /// Puts `pod` in place of the pod of its name, if any (the CNI's view of a pod).
    public mutating func replace(_ pod: Pod) {
        let ref = ObjectRef(namespace: pod.namespace, name: pod.name)
        if pods.updateValue(pod, forKey: ref) == nil { referenceNamespace(ref.namespace) }
    }

    /// A namespace referenced but never declared still exists, with its name label only.
    private mutating func referenceNamespace(_ name: String) {
        namespaceReferences[name, default: 0] += 1
        if namespaceLabels[name] == nil { implicitNamespace(name) }
    }

    private mutating func dereferenceNamespace(_ name: String) {
        let remaining = (namespaceReferences[name] ?? 1) - 1
        namespaceReferences[name] = remaining > 0 ? remaining : nil
        if remaining <= 0 && !declaredNamespaces.contains(name) {
            namespaceLabels[name] = nil
            namespaceAnnotations[name] = nil
        }
    }

    private mutating func implicitNamespace(_ name: String) {
        namespaceLabels[name] = [Namespace.nameLabel: name]
        namespaceAnnotations[name] = [:]
    }

    /// The EndpointSlices of `service`, by name.
    public func endpointSlices(of service: ObjectRef) -> [EndpointSlice] {
        (sliceNames[service] ?? []).compactMap { endpointSlices[ObjectRef(namespace: service.namespace, name: $0)] }
    }

    public func labels(ofNamespace name: String) -> [String: String] {
        namespaceLabels[name] ?? [Namespace.nameLabel: name]
    }

    /// Audit mode: the namespace's would-be drops are forwarded and counted.
    public func isAudited(namespace: String) -> Bool {
        namespaceAnnotations[namespace]?[PlannerAnnotations.policyAudit] == "true"
    }
}

/// Annotations the planner reads.
public enum PlannerAnnotations {
    public static let policyAudit = "sluice.dev/policy-audit"
    public static let hostInterface = "sluice.dev/host-interface"
}
