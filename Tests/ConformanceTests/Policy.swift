/// A NetworkPolicy as a scenario writes it: name, namespace and the `spec` in YAML.
struct Policy: Sendable, Equatable {
    let name: String
    let namespace: String
    let spec: String

    init(_ name: String, in namespace: String, _ spec: String) {
        self.name = name
        self.namespace = namespace
        self.spec = spec
    }

    /// Each policy in a file of its own, as many small ConfigMap keys would be.
    var fileName: String { "policy-\(namespace)-\(name).yaml" }

    var manifest: String {
        let indented = spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" }
        return """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: \(name), namespace: \(namespace)}
            spec:
            \(indented.joined(separator: "\n"))

            """
    }
}
