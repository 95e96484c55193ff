/// A pod as Kubernetes names it, `namespace/name` (written "x/a" in scenarios).
/// Its network namespace in the topology is `namespace-name`, unique per topology.
struct PodID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    let namespace: String
    let name: String

    init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// "x/a"; text without exactly one "/" names no pod, so a typo fails the scenario loudly.
    init(stringLiteral value: String) {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        self.init(namespace: parts.count == 2 ? String(parts[0]) : value, name: parts.count == 2 ? String(parts[1]) : "")
    }

    /// The pod's name in the topology, which is also what its servers answer with.
    var topologyName: String { "\(namespace)-\(name)" }

    var description: String { "\(namespace)/\(name)" }

    static func < (lhs: PodID, rhs: PodID) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}
