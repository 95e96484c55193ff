import Glibc
import Testing
import TestSupport

/// `sluice_policy_verdicts_total` on real traffic: each packet no rule
/// allowed is one verdict of the first policy (by namespace/name) that
/// isolates the pod in that direction; denied where enforced, audit where
/// the namespace is audited (and the packet goes through).
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct PolicyVerdictMetricsTests {
    private static let datagrams = 3
    private static let metric = "sluice_policy_verdicts_total"

    /// Isolates the backend's ingress without allowing anything; first by name before "allow".
    private func isolate(namespace: String) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-isolate, namespace: \(namespace)}
        spec: {podSelector: {matchLabels: {app: backend}}, policyTypes: [Ingress]}
        ---

        """
    }

    private func pods(_ topology: Topology, namespace: String = "default") -> String {
        topology.pods.map { Manifests.pod($0, namespace: namespace, labels: ["app": $0.name], node: topology.id) }
            .joined()
    }

    private func verdicts(_ agent: RunningAgent, namespace: String = "default", policy: String,
                          action: String) throws -> Double {
        try agent.metric(Self.metric, ["namespace": namespace, "policy": policy, "direction": "ingress",
                                       "action": action])
    }

    @Test func deniedDatagramsAreCountedOnceEachAgainstTheFirstIsolatingPolicy() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        let (frontend, backend) = (try #require(topology.pod(named: "frontend")),
                                   try #require(topology.pod(named: "backend")))
        try backend.serve(udp: [80, 81])
        let agent = try RunningAgent(topology: topology, files: [
            "pods.yaml": pods(topology), "isolate.yaml": isolate(namespace: "default"),
            "allow.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: 80),
        ])
        defer { agent.teardown() }

        #expect(try frontend.udp(to: backend.ipv4, port: 80).isOK)
        for _ in 0..<Self.datagrams {
            #expect(try frontend.udp(to: backend.ipv4, port: 81, timeout: .milliseconds(300)) == .timeout)
        }

        #expect(try verdicts(agent, policy: "a-isolate", action: "denied") == Double(Self.datagrams))
        #expect(try verdicts(agent, policy: "allow", action: "denied") == 0, "drops go to the first policy only")
        #expect(try verdicts(agent, policy: "allow", action: "allowed") == 1)
        #expect(try verdicts(agent, policy: "a-isolate", action: "audit") == 0)
        // The families of allowed flows are unchanged by the new one.
        #expect(try agent.metric("sluice_policy_flows_total", ["policy": "allow", "direction": "ingress"]) == 1)
    }

    @Test func inAnAuditedNamespaceTheSameDatagramsPassAndAreAuditVerdicts() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        let (frontend, backend) = (try #require(topology.pod(named: "frontend")),
                                   try #require(topology.pod(named: "backend")))
        try backend.serve(udp: [81])
        let namespace = "audited"
        let agent = try RunningAgent(topology: topology, files: [
            "namespace.yaml": """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: \(namespace)
                  annotations: {sluice.dev/policy-audit: "true"}
                ---

                """,
            "pods.yaml": pods(topology, namespace: namespace), "isolate.yaml": isolate(namespace: namespace),
        ])
        defer { agent.teardown() }

        for _ in 0..<Self.datagrams {
            #expect(try frontend.udp(to: backend.ipv4, port: 81).isOK, "audit mode forwards")
        }

        #expect(try verdicts(agent, namespace: namespace, policy: "a-isolate", action: "audit")
                == Double(Self.datagrams))
        #expect(try verdicts(agent, namespace: namespace, policy: "a-isolate", action: "denied") == 0)
    }
}
