/// A Kubernetes-style field path: `spec.ingress[0].ports[1].port`, `metadata.labels[app]`.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    private(set) var description: String = ""

    func child(_ name: String) -> FieldPath {
        FieldPath(description: description.isEmpty ? name : "\(description).\(name)")
    }

    func index(_ index: Int) -> FieldPath {
        FieldPath(description: "\(description)[\(index)]")
    }

    /// An entry of a map-valued field such as labels.
    func key(_ key: String) -> FieldPath {
        FieldPath(description: "\(description)[\(key)]")
    }
}
