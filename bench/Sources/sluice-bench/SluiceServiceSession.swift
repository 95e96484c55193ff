import Glibc
import TestSupport

/// The real sluiced balancing N Services (three backends each, the probed one's the
/// server pods) with its socket load balancer: the client runs in the agent's cgroup
/// and connects to the probed cluster IP. Runs only when the build has sock_lb.bpf.o.
final class SluiceServiceSession: SluiceAgentSession {
    private let context: SessionContext
    var agent: SluiceAgent?
    private(set) var files: [(name: String, contents: String)] = []

    init(_ context: SessionContext) {
        self.context = context
    }

    var target: String {
        "\(ScaleAddressing.clusterIP(ScaleAddressing.probedIndex(scale: context.scale))):\(ScaleAddressing.servicePort)"
    }

    /// A backend of the probed service, on the port its cluster IP's port translates to.
    /// Connecting there from the same cgroup still runs the socket load balancer's hook,
    /// which finds no service and leaves the address alone.
    var backendTarget: String? { context.topology.directTarget }

    var clientCgroup: TestCgroup? { agent?.cgroup }

    func prepare() throws {
        let topology = context.topology
        agent = try SluiceAgent(environment: context.environment, topology: topology.topology, files: [
            "00-pods.yaml": SluiceManifests.pods(client: topology.client, servers: topology.servers, node: topology.topology.id),
        ])
        files = (0..<context.scale).map { index in
            (SluiceManifests.fileName(index),
             SluiceManifests.service(index, scale: context.scale, servers: topology.servers, open: true))
        }
    }

    /// No agent-side count of services is relied on: the probe is the measurement.
    func appliedAfterLoad(since start: UInt64) throws -> Double? { nil }

    func verifyEnforcing() throws {}

    func setProbed(open: Bool) throws -> CommandCost? {
        let probed = ScaleAddressing.probedIndex(scale: context.scale)
        try loadedAgent().write([(SluiceManifests.fileName(probed),
                                  SluiceManifests.service(probed, scale: context.scale, servers: context.topology.servers,
                                                          open: open))])
        return nil
    }
}
