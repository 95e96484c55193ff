/// A namespace standing for the world outside a topology's node: a veth pair joins it to
/// the node namespace (node end `<id>x0`, the interface to give `--nodeport-interfaces`).
/// Its addresses exist only inside these two namespaces; its default routes point at the
/// node, so it reaches the node's addresses and NodePorts through the veth.
/// `teardown()` (or `deinit`) stops its processes and deletes it, and the veth with it.
public final class ExternalNetwork: Sendable {
    public let namespace: NetworkNamespace
    /// The node's end of the veth, in the topology's node namespace.
    public let nodeInterface: String
    /// The client's addresses, as a backend sees them when nothing rewrites the source.
    public let clientIPv4 = "10.201.0.2"
    public let clientIPv6 = "fd00:201::2"
    private let processes: ProcessRegistry

    private init(namespace: NetworkNamespace, nodeInterface: String, processes: ProcessRegistry) {
        self.namespace = namespace
        self.nodeInterface = nodeInterface
        self.processes = processes
    }

    deinit {
        teardown()
    }

    /// Creates `<id>-ext` and its veth to `topology`'s node.
    public static func make(for topology: Topology) throws(TestSupportError) -> ExternalNetwork {
        let processes = ProcessRegistry()
        guard let namespace = try NetworkNamespace.create(named: "\(topology.id)-ext", processes: processes) else {
            throw .namesExhausted(prefix: "\(topology.id)-ext", attempts: 1)
        }
        let network = ExternalNetwork(namespace: namespace, nodeInterface: "\(topology.id)x0", processes: processes)
        do {
            try namespace.setSysctls(TopologyAddressing.podSysctls)
            try topology.node.ipBatch([
                "link add \(network.nodeInterface) type veth peer name eth0 netns \(namespace.name)",
                "link set \(network.nodeInterface) up",
                "address add 10.201.0.1/24 dev \(network.nodeInterface)",
                "address add fd00:201::1/64 dev \(network.nodeInterface) nodad",
            ])
            try namespace.ipBatch([
                "link set lo up",
                "link set eth0 up",
                "address add \(network.clientIPv4)/24 dev eth0",
                "address add \(network.clientIPv6)/64 dev eth0 nodad",
                "route add 0.0.0.0/0 via 10.201.0.1 dev eth0",
                "route add ::/0 via fd00:201::1 dev eth0",
            ])
        } catch {
            network.teardown()
            throw error
        }
        return network
    }

    /// Stops what runs in the namespace and deletes it (the veth goes with it). Idempotent.
    public func teardown() {
        processes.stop()
        guard (try? run(["ip", "netns", "pids", namespace.name]).succeeded) == true else { return }
        do {
            try namespace.delete()
        } catch {
            reportCleanupFailure("deleting namespace \(namespace.name): \(error)")
        }
    }
}
