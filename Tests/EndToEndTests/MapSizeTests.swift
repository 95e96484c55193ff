import BPF
import CSluiceBPF
import Foundation
import Glibc
import Testing
import TestSupport

/// Map sizes are flags: a plan that does not fit is refused whole, and a
/// pinned map of another size is replaced without a gap.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct MapSizeTests {
    private static let port: UInt16 = 80

    private func pods(_ topology: Topology) -> String {
        topology.pods.map { Manifests.pod($0, labels: ["app": $0.name], node: topology.id) }.joined()
    }

    @Test func planTooLargeForAMapIsRefusedAndThePreviousStateStays() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend", "other"])
        defer { topology.teardown() }
        let (frontend, backend, other) = (try #require(topology.pod(named: "frontend")),
                                          try #require(topology.pod(named: "backend")),
                                          try #require(topology.pod(named: "other")))
        try backend.serve(tcp: [Self.port])
        let agent = try RunningAgent(
            topology: topology,
            files: ["pods.yaml": pods(topology),
                    "policy.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: Int(Self.port))],
            arguments: ["--policy-map-size", "8"])
        defer { agent.teardown() }
        #expect(try frontend.tcp(to: backend.ipv4, port: Self.port).isOK)

        // Every port of a wide range from everyone: far more than 8 entries.
        try agent.write("wide.yaml", """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: wide, namespace: default}
            spec:
              podSelector: {matchLabels: {app: backend}}
              ingress: [{ports: [{port: 1, endPort: 65000}]}]
            """)
        #expect(try eventually { try agent.metric("sluice_map_full_refusals_total", ["map": SLUICE_MAP_POLICY]) >= 1 })
        #expect(agent.log.contains("raise --policy-map-size"))
        #expect(try agent.get("/readyz").status == 200)
        #expect(try frontend.tcp(to: backend.ipv4, port: Self.port).isOK)
        #expect(try other.tcp(to: backend.ipv4, port: Self.port, timeout: .milliseconds(300)) == .timeout)
    }

    @Test func resizedConntrackMapIsMigratedWithoutCuttingAFlow() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        let (frontend, backend) = (try #require(topology.pod(named: "frontend")), try #require(topology.pod(named: "backend")))
        try backend.serve(tcp: [Self.port])
        // The frontend is isolated too: its replies pass only through conntrack.
        let isolate = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: isolate, namespace: default}
            spec: {podSelector: {}, policyTypes: [Ingress]}
            """
        let agent = try RunningAgent(topology: topology, files: [
            "pods.yaml": pods(topology), "isolate.yaml": isolate,
            "allow.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: Int(Self.port)),
        ])
        defer { agent.teardown() }
        let session = try frontend.spawn([try TestPaths.binary("sluice-probe"), "session", backend.ipv4,
                                          String(Self.port), "--lines", "40", "--interval-ms", "100",
                                          "--timeout-ms", "1000"])
        try session.waitForLine("ok 3", timeout: .seconds(5))

        let before = try BPFMap<sluice_ct_key, sluice_ct_value>(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_CT)
        let tracked = try #require(try before.entries().first { UInt16(bigEndian: $0.key.dport) == Self.port })
        agent.kill()
        try agent.restart(adding: ["--conntrack-map-size", "8192"])
        let conntrack = try BPFMap<sluice_ct_key, sluice_ct_value>(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_CT)
        #expect(conntrack.info.maxEntries == 8192)
        // The same entry, created before the restart: copied, not made again by new packets.
        #expect(try conntrack.lookup(tracked.key)?.created_ns == tracked.value.created_ns)
        #expect(access(agent.pins.path + "/" + SLUICE_MAP_CT + "_old", F_OK) != 0, "old pin left behind")
        #expect(session.waitForExit(timeout: .seconds(10)) == 0, "session: \(session.stdout) \(session.stderr)")
        #expect(session.stdout.contains("ok 40"))
    }
}
