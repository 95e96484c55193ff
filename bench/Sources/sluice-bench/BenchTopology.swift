import Glibc
import TestSupport

/// The topology every subject runs on, fresh for each: a node namespace, a client pod
/// and three server pods (the probed service's three backends), each server answering
/// on the served ports; on demand, an external client's namespace joined to the node.
/// Traffic never leaves these namespaces.
final class BenchTopology {
    let topology: Topology
    let client: Pod
    let servers: [Pod]
    /// Source ports the client's watchers have not used yet.
    let watchPorts = PortSequence()
    private let serverProcesses: [ManagedProcess]
    private let cleanupID: Int
    private var external: (network: ExternalNetwork, cleanupID: Int)?

    init(loadgen: Loadgen) throws {
        let topology = try makeTopology(podNames: ["client", "server0", "server1", "server2"])
        let cleanupID = Cleanup.shared.register { topology.teardown() }
        do {
            guard let client = topology.pod(named: "client") else { throw BenchError.setup("topology has no client pod") }
            let servers = topology.pods.filter { $0.name.hasPrefix("server") }
            // Every connection of a run needs its own port; the default range is 28k ports.
            try client.run(["sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65535"]).checked()
            serverProcesses = try servers.map { server in
                try loadgen.serve(in: server, ports: [ScaleAddressing.servedPort, ScaleAddressing.otherServedPort])
            }
            self.client = client
            self.servers = servers
        } catch {
            topology.teardown()
            Cleanup.shared.done(cleanupID)
            throw error
        }
        self.topology = topology
        self.cleanupID = cleanupID
    }

    var node: NetworkNamespace { topology.node }

    /// The first server, straight: what the baseline and the policy subjects connect to.
    var directTarget: String { "\(servers[0].ipv4):\(ScaleAddressing.servedPort)" }

    /// CPU the servers have used so far, in ns.
    func serverCPUNanoseconds() -> UInt64 {
        serverProcesses.reduce(0) { $0 + (ProcessStats.cpuNanoseconds($1.pid) ?? 0) }
    }

    /// A namespace outside the node, joined to it by a veth whose node end is the interface
    /// to give `--nodeport-interfaces` (TestSupport's ExternalNetwork); made on first use,
    /// before an agent that attaches to it starts.
    func externalClient() throws -> ExternalNetwork {
        if let external { return external.network }
        let network = try ExternalNetwork.make(for: topology)
        let cleanupID = Cleanup.shared.register { network.teardown() }
        external = (network, cleanupID)
        // Every connection of a run needs its own port, as in the client pod.
        try network.namespace.run(["sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65535"]).checked()
        return network
    }

    /// Stops every process and deletes the namespaces (and with them veths, routes and rules).
    func tearDown() {
        if let external {
            external.network.teardown()
            Cleanup.shared.done(external.cleanupID)
            self.external = nil
        }
        topology.teardown()
        Cleanup.shared.done(cleanupID)
    }
}
