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
    public private(set) var services: [ObjectRef: Service] = [:]
    public private(set) var endpointSlices: [ObjectRef: EndpointSlice] = [:]

    public init() {}

    /// Builds the cluster from manifests; for the same kind and name the first one wins
    /// (callers pass files in a fixed order).
    public init(manifests: [Manifest]) {
        for manifest in manifests {
            switch manifest {
            case .namespace(let namespace, _):
                if namespaceAnnotations[namespace.name] == nil {
                    namespaceAnnotations[namespace.name] = namespace.metadata.annotations
                    var labels = namespace.labels
                    labels[Namespace.nameLabel] = namespace.name
                    namespaceLabels[namespace.name] = labels
                }
            case .pod(let pod, _):
                let ref = ObjectRef(namespace: pod.namespace, name: pod.name)
                if pods[ref] == nil { pods[ref] = pod }
            case .networkPolicy(let policy, _):
                let ref = ObjectRef(namespace: policy.namespace, name: policy.name)
                if policies[ref] == nil { policies[ref] = policy }
            case .service(let service, _):
                let ref = ObjectRef(namespace: service.namespace, name: service.name)
                if services[ref] == nil { services[ref] = service }
            case .endpointSlice(let slice, _):
                let ref = ObjectRef(namespace: slice.namespace, name: slice.name)
                if endpointSlices[ref] == nil { endpointSlices[ref] = slice }
            }
        }
        // A namespace referenced but never declared still exists, with its name label only.
        for namespace in pods.keys.map(\.namespace) + policies.keys.map(\.namespace)
            where namespaceLabels[namespace] == nil {
            namespaceLabels[namespace] = [Namespace.nameLabel: namespace]
            namespaceAnnotations[namespace] = [:]
        }
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
