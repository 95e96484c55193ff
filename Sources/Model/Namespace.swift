/// Kubernetes `v1 Namespace`: only its name and labels matter to policy (namespaceSelector).
public struct Namespace: Sendable, Hashable {
    /// The label the API server puts on every namespace (Kubernetes 1.21+), so policies can
    /// select a namespace by name. The decoder adds it the same way.
    public static let nameLabel = "kubernetes.io/metadata.name"

    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta) {
        self.metadata = metadata
    }

    public var name: String { metadata.name }
    public var labels: [String: String] { metadata.labels }
}
