import Foundation
import Glibc
import Testing
import TestSupport

/// Conntrack seen from outside: established flows when policy changes,
/// ICMP errors of allowed flows, the node's own traffic, per-policy counters.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct StatefulPolicyTests {
    private static let port: UInt16 = 80

    private func start(_ topology: Topology, policy: String? = nil, arguments: [String] = []) throws -> RunningAgent {
        var files = ["pods.yaml": topology.pods.map {
            Manifests.pod($0, labels: ["app": $0.name], node: topology.id)
        }.joined()]
        if let policy { files["policy.yaml"] = policy }
        return try RunningAgent(topology: topology, files: files, arguments: arguments)
    }

    private let denyAllIngress = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny, namespace: default}
        spec:
          podSelector: {matchLabels: {app: backend}}
          policyTypes: [Ingress]
        """

    /// A session of `lines` lines 100 ms apart from frontend to backend:80.
    private func session(_ topology: Topology, lines: Int) throws -> ManagedProcess {
        let frontend = try #require(topology.pod(named: "frontend"))
        let backend = try #require(topology.pod(named: "backend"))
        let session = try frontend.spawn([try TestPaths.binary("sluice-probe"), "session", backend.ipv4,
                                          String(Self.port), "--lines", String(lines), "--interval-ms", "100",
                                          "--timeout-ms", "1000"])
        try session.waitForLine("ok 3", timeout: .seconds(5))
        return session
    }

    @Test func establishedConnectionIsCutWhenANewPolicyDeniesIt() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        try topology.pod(named: "backend")?.serve(tcp: [Self.port])
        let agent = try start(topology)
        defer { agent.teardown() }
        let session = try session(topology, lines: 60)

        try agent.write("policy.yaml", denyAllIngress)
        let exit = session.waitForExit(timeout: .seconds(5))
        #expect(exit == 2, "session should time out once cut; output: \(session.stdout)")
        #expect(!session.stdout.contains("ok 60"))
        #expect(try agent.metric("sluice_conntrack_revoked_flows_total") >= 1)
    }

    @Test func keepEstablishedFlowsLetsTheConnectionFinish() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        try topology.pod(named: "backend")?.serve(tcp: [Self.port])
        let agent = try start(topology, arguments: ["--keep-established-flows"])
        defer { agent.teardown() }
        let session = try session(topology, lines: 20)

        try agent.write("policy.yaml", denyAllIngress)
        #expect(session.waitForExit(timeout: .seconds(6)) == 0, "output: \(session.stdout)")
        #expect(session.stdout.contains("ok 20"))
        // New connections are denied all the same.
        let frontend = try #require(topology.pod(named: "frontend"))
        let backend = try #require(topology.pod(named: "backend"))
        #expect(try frontend.tcp(to: backend.ipv4, port: Self.port, timeout: .milliseconds(500)) == .timeout)
    }

    @Test func icmpErrorOfAnAllowedFlowReachesTheClient() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        // Ingress allows UDP 81 (nothing listens), egress allows nothing: the
        // port-unreachable answer can only leave as related to the allowed flow.
        let policy = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: udp, namespace: default}
            spec:
              podSelector: {matchLabels: {app: backend}}
              policyTypes: [Ingress, Egress]
              ingress: [{ports: [{protocol: UDP, port: 81}]}]
            """
        let agent = try start(topology, policy: policy)
        defer { agent.teardown() }
        let frontend = try #require(topology.pod(named: "frontend"))
        let backend = try #require(topology.pod(named: "backend"))
        for family in AddressFamily.allCases {
            #expect(try frontend.udp(to: backend.address(family), port: 81) == .refused, "\(family)")
        }
        let related = ["direction": "egress", "verdict": "forwarded", "reason": "ct_related"]
        #expect(try agent.metric("sluice_datapath_packets_total", related) == 2)
    }

    @Test func theNodeReachesIsolatedPodsUnlessTurnedOff() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        let backend = try #require(topology.pod(named: "backend"))
        try backend.serve(tcp: [Self.port])
        do {
            let agent = try start(topology, policy: denyAllIngress)
            defer { agent.teardown() }
            #expect(try topology.node.tcp(to: backend.ipv4, port: Self.port).isOK)
            #expect(try topology.node.tcp(to: backend.ipv6, port: Self.port).isOK)
            #expect(try topology.pod(named: "frontend")?.tcp(to: backend.ipv4, port: Self.port,
                                                              timeout: .milliseconds(300)) == .timeout)
        }
        let agent = try start(topology, policy: denyAllIngress, arguments: ["--no-allow-host-traffic"])
        defer { agent.teardown() }
        #expect(try topology.node.tcp(to: backend.ipv4, port: Self.port, timeout: .milliseconds(300)) == .timeout)
    }

    @Test func eachAllowedFlowIsCountedForItsPolicy() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        try topology.pod(named: "backend")?.serve(tcp: [Self.port])
        let agent = try start(topology, policy: Manifests.allowOnly(from: "frontend", to: "backend", port: Int(Self.port)))
        defer { agent.teardown() }
        let frontend = try #require(topology.pod(named: "frontend"))
        let backend = try #require(topology.pod(named: "backend"))
        for _ in 0..<5 { #expect(try frontend.tcp(to: backend.ipv4, port: Self.port).isOK) }
        let labels = ["namespace": "default", "policy": "allow", "direction": "ingress"]
        #expect(try agent.metric("sluice_policy_flows_total", labels) == 5)
        #expect(try agent.metric("sluice_policy_packets_total", labels) >= 5 * 6)
    }
}
