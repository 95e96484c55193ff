import Glibc
import TestSupport

/// The real sluiced balancing N Services (three backends each, the probed one's the server
/// pods) on its per-packet path: tc_node on the node's external interface
/// (`--nodeport-interfaces`) DNATs what arrives for a node port and reverse-NATs the replies.
/// The client is outside the node (the topology's external namespace) and connects to the
/// node's address on the probed service's node port. Its baseline is the same external
/// client straight to a server pod through the node's routing.
final class SluiceNodePortSession: SluiceAgentSession {
    private let context: SessionContext
    var agent: SluiceAgent?
    private var external: ExternalNetwork?
    private(set) var files: [(name: String, contents: String)] = []

    init(_ context: SessionContext) {
        self.context = context
    }

    private var probed: Int { ScaleAddressing.probedIndex(scale: context.scale) }

    var target: String {
        // nodePort(probed) is never nil: the probed service is the last, always of type NodePort.
        "\(context.topology.topology.nodeIPv4):\(ScaleAddressing.nodePort(probed, scale: context.scale) ?? 0)"
    }

    var clientCgroup: TestCgroup? { nil }
    var clientNamespace: (any InNetworkNamespace)? { external?.namespace }

    /// The external namespace first: sluiced resolves `--nodeport-interfaces` when it starts.
    func prepare() throws {
        let topology = context.topology
        let external = try topology.externalClient()
        self.external = external
        agent = try SluiceAgent(environment: context.environment, topology: topology.topology, files: [
            "00-pods.yaml": SluiceManifests.pods(client: topology.client, servers: topology.servers, node: topology.topology.id),
        ], arguments: ["--nodeport-interfaces", external.nodeInterface])
        files = (0..<context.scale).map { index in
            (SluiceManifests.fileName(index), service(index, open: true))
        }
    }

    /// As for the socket LB: the probe is the measurement.
    func appliedAfterLoad(since start: UInt64) throws -> Double? { nil }

    /// Nothing listens on the node's node port: a connection that got through was translated.
    func verifyEnforcing() throws {}

    func setProbed(open: Bool) throws -> CommandCost? {
        try loadedAgent().write([(SluiceManifests.fileName(probed), service(probed, open: open))])
        return nil
    }

    private func service(_ index: Int, open: Bool) -> String {
        SluiceManifests.service(index, scale: context.scale, servers: context.topology.servers, open: open,
                                nodePort: ScaleAddressing.nodePort(index, scale: context.scale))
    }
}
