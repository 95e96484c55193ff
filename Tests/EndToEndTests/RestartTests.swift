import BPF
import CSluiceBPF
import Foundation
import Glibc
import Testing
import TestSupport

/// The datapath keeps enforcing while the agent is dead, and a restarted
/// agent takes over the pinned maps without touching a running flow.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct RestartTests {
    private static let port: UInt16 = 80

    /// Both frontend and backend are isolated for ingress, so the session's
    /// replies at the frontend pass only through its conntrack entry: an agent
    /// that renumbered endpoints on restart would cut them.
    private let policies = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: isolate, namespace: default}
        spec: {podSelector: {}, policyTypes: [Ingress]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: backend, namespace: default}
        spec:
          podSelector: {matchLabels: {app: backend}}
          ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}], ports: [{port: 80}, {port: 80, protocol: UDP}]}]
        """

    private var dropped: [String: String] { ["verdict": "dropped"] }

    private func totalDrops(_ agent: RunningAgent) throws -> Double {
        var total = 0.0
        for direction in ["ingress", "egress"] {
            for reason in ["policy_denied", "malformed", "fragment"] {
                total += try agent.metric("sluice_datapath_packets_total",
                                          ["direction": direction, "verdict": "dropped", "reason": reason])
            }
        }
        return total
    }

    /// ifindex -> endpoint id, as the datapath sees them.
    private func endpointIDs(_ agent: RunningAgent) throws -> [UInt32: UInt32] {
        let map = try BPFMap<sluice_endpoint_key, sluice_endpoint_value>(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_ENDPOINTS)
        return Dictionary(try map.entries().map { ($0.key.ifindex, $0.value.endpoint_id) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func killedAndRestartedAgentDropsNothingAllowedAndLetsNothingDeniedThrough() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend", "other"])
        defer { topology.teardown() }
        let (frontend, backend, other) = (try #require(topology.pod(named: "frontend")),
                                          try #require(topology.pod(named: "backend")),
                                          try #require(topology.pod(named: "other")))
        try backend.serve(tcp: [Self.port], udp: [Self.port])
        let pods = topology.pods.map { Manifests.pod($0, labels: ["app": $0.name], node: topology.id) }.joined()
        let agent = try RunningAgent(topology: topology, files: ["pods.yaml": pods, "policies.yaml": policies])
        defer { agent.teardown() }
        #expect(try other.udp(to: backend.ipv4, port: Self.port, timeout: .milliseconds(300)) == .timeout)
        let dropsBefore = try totalDrops(agent)

        let session = try frontend.spawn([try TestPaths.binary("sluice-probe"), "session", backend.ipv4,
                                          String(Self.port), "--lines", "40", "--interval-ms", "100",
                                          "--timeout-ms", "1000"])
        try session.waitForLine("ok 3", timeout: .seconds(5))
        let idsBefore = try endpointIDs(agent)
        agent.kill()
        // While the agent is dead: denied stays denied, allowed new flows still pass.
        #expect(try other.udp(to: backend.ipv4, port: Self.port, timeout: .milliseconds(300)) == .timeout)
        #expect(try frontend.udp(to: backend.ipv4, port: Self.port).isOK)
        // A pod that sorts first appears meanwhile: a restarted agent numbering
        // endpoints afresh would give every enforced pod another id.
        try agent.write("aardvark.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: aardvark, namespace: default, labels: {app: aardvark}}
            spec: {nodeName: \(topology.id), containers: [{name: c}]}
            status: {podIP: 10.200.0.250}
            """)
        try agent.restart()
        // Conntrack entries are keyed by endpoint id: the new agent must keep the old ones.
        #expect(try endpointIDs(agent) == idsBefore)
        #expect(try frontend.tcp(to: backend.ipv4, port: Self.port).isOK)

        #expect(session.waitForExit(timeout: .seconds(10)) == 0, "session: \(session.stdout) \(session.stderr)")
        #expect(session.stdout.contains("ok 40"))
        // Exactly the one denied datagram sent while the agent was down was dropped.
        #expect(try totalDrops(agent) == dropsBefore + 1, "\(agent.log.suffix(3000))")
    }
}
