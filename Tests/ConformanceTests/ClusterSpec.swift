/// The manifests a scenario wants in force: every pod with its labels and named
/// container ports, the namespaces that have a manifest with their labels, and
/// the policies. The base is Kubernetes' e2e layout: namespaces x, y, z labelled
/// ns=<name>, each with pods a, b, c labelled pod=<name>.
struct ClusterSpec: Sendable {
    struct ContainerPort: Sendable, Equatable {
        var name: String
        var number: UInt16
        var transport: ProbePort.Transport
    }

    struct PodSpec: Sendable, Equatable {
        var labels: [String: String]
        var ports: [ContainerPort]
    }

    var pods: [PodID: PodSpec]
    /// Namespaces with a Namespace manifest; one that only pods mention has none
    /// (Kubernetes still gives it its `kubernetes.io/metadata.name` label).
    var namespaces: [String: [String: String]]
    var policies: [Policy] = []

    static let namespaceNames = ["x", "y", "z"]
    static let podNames = ["a", "b", "c"]

    /// Every served port under the name Kubernetes' e2e servers give it (serve-80-tcp, ...).
    static let servedPorts = ProbePort.ordered.map {
        ContainerPort(name: "serve-\($0.number)-\($0.transport.rawValue)", number: $0.number, transport: $0.transport)
    }

    static let base = ClusterSpec(
        pods: Dictionary(uniqueKeysWithValues: namespaceNames.flatMap { namespace in
            podNames.map { name in
                (PodID(namespace: namespace, name: name), PodSpec(labels: ["pod": name], ports: servedPorts))
            }
        }),
        namespaces: Dictionary(uniqueKeysWithValues: namespaceNames.map { ($0, ["ns": $0]) }))

    var podIDs: [PodID] { pods.keys.sorted() }

    /// Adds a pod labelled pod=<name> that serves and names every port, as the base pods do.
    mutating func addPod(_ pod: PodID) {
        pods[pod] = PodSpec(labels: ["pod": pod.name], ports: Self.servedPorts)
    }

    /// Sets (or with nil removes) one label of a pod.
    mutating func label(_ pod: PodID, _ key: String, _ value: String?) {
        pods[pod]?.labels[key] = value
    }

    /// Sets (or with nil removes) one label of a namespace that has a manifest.
    mutating func label(namespace: String, _ key: String, _ value: String?) {
        namespaces[namespace]?[key] = value
    }

    /// Gives `name` to the container port `port` of `pod`, replacing the name it had.
    mutating func name(_ port: ProbePort, of pod: PodID, _ name: String) {
        guard let index = pods[pod]?.ports.firstIndex(where: { $0.number == port.number && $0.transport == port.transport }) else {
            return
        }
        pods[pod]?.ports[index].name = name
    }
}
