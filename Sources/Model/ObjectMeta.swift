/// The part of Kubernetes `metav1.ObjectMeta` Sluice reads; other metadata fields are ignored.
public struct ObjectMeta: Sendable, Hashable {
    public var name: String
    /// Nil for cluster-scoped kinds (Namespace). For namespaced kinds the decoder fills in
    /// "default" when the manifest leaves it out, as the API server does.
    public var namespace: String?
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Set (RFC 3339, as written) once deletion was asked for: a pod that has it is terminating.
    public var deletionTimestamp: String?

    public init(name: String, namespace: String? = nil, labels: [String: String] = [:], annotations: [String: String] = [:],
                deletionTimestamp: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.deletionTimestamp = deletionTimestamp
    }
}
