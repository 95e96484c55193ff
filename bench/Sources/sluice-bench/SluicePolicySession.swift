import Glibc
import TestSupport

/// The real sluiced enforcing N NetworkPolicies on the servers (one peer and port each,
/// the client's last), over a default deny; files written into its policy directory.
final class SluicePolicySession: SluiceAgentSession {
    private let context: SessionContext
    var agent: SluiceAgent?
    private(set) var files: [(name: String, contents: String)] = []

    init(_ context: SessionContext) {
        self.context = context
    }

    var target: String { context.topology.directTarget }
    var clientCgroup: TestCgroup? { nil }

    func prepare() throws {
        let topology = context.topology
        agent = try SluiceAgent(environment: context.environment, topology: topology.topology, files: [
            "00-pods.yaml": SluiceManifests.pods(client: topology.client, servers: topology.servers, node: topology.topology.id),
            "00-default-deny.yaml": SluiceManifests.defaultDeny,
        ])
        files = (0..<context.scale).map { index in
            (SluiceManifests.fileName(index), SluiceManifests.policy(index, scale: context.scale, open: true))
        }
    }

    /// The agent counts policies in force only after a sync wrote all their entries.
    func appliedAfterLoad(since start: UInt64) throws -> Double? {
        let agent = try loadedAgent()
        let expected = Double(context.scale + 1)
        let deadline = start + UInt64(context.plan.loadTimeoutSeconds) * 1_000_000_000
        while monotonicNanoseconds() < deadline {
            if try agent.metric("sluice_policies") == expected {
                return Double(monotonicNanoseconds() - start) / 1e9
            }
            pause(seconds: 0.025)
        }
        throw BenchError.notObserved(what: "sluice_policies = \(Int(expected))", afterSeconds: context.plan.loadTimeoutSeconds,
                                     detail: String(agent.log.suffix(2000)))
    }

    func verifyEnforcing() throws {
        try context.expectOtherPortBlocked()
    }

    func setProbed(open: Bool) throws -> CommandCost? {
        let probed = ScaleAddressing.probedIndex(scale: context.scale)
        try loadedAgent().write([(SluiceManifests.fileName(probed),
                                  SluiceManifests.policy(probed, scale: context.scale, open: open))])
        return nil
    }
}
