import Foundation
import Glibc
import Testing
import TestSupport

/// The real agent on real pods: policy files added, changed and removed
/// while TCP and UDP probes check what gets through.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct PolicyEnforcementTests {
    private static let port: UInt16 = 80

    private func podsFile(_ topology: Topology) -> String {
        topology.pods.map { Manifests.pod($0, labels: ["app": $0.name], node: topology.id) }.joined()
    }

    /// (frontend, other) -> backend over TCP and UDP on one family.
    private func reachability(_ topology: Topology, _ family: AddressFamily) throws -> [String: Bool] {
        guard let backend = topology.pod(named: "backend") else { return [:] }
        var result: [String: Bool] = [:]
        for name in ["frontend", "other"] {
            guard let client = topology.pod(named: name) else { continue }
            let address = backend.address(family)
            result["\(name) tcp"] = try client.tcp(to: address, port: Self.port, timeout: .milliseconds(500)).isOK
            result["\(name) udp"] = try client.udp(to: address, port: Self.port, timeout: .milliseconds(500)).isOK
        }
        return result
    }

    private func expectReachability(_ topology: Topology, frontend: Bool, other: Bool,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = ["frontend tcp": frontend, "frontend udp": frontend, "other tcp": other, "other udp": other]
        for family in AddressFamily.allCases {
            var last: [String: Bool] = [:]
            let converged = try eventually {
                last = try reachability(topology, family)
                return last == expected
            }
            #expect(converged, "\(family): expected \(expected), got \(last)", sourceLocation: sourceLocation)
        }
    }

    @Test func addingAPolicyBlocksChangingItReallowsAndRemovingItRestores() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend", "other"])
        defer { topology.teardown() }
        try topology.pod(named: "backend")?.serve(tcp: [Self.port], udp: [Self.port])
        let agent = try RunningAgent(topology: topology, files: ["pods.yaml": podsFile(topology)])
        defer { agent.teardown() }
        try expectReachability(topology, frontend: true, other: true)

        try agent.write("policy.yaml", Manifests.allowOnly(from: "frontend", to: "backend", port: Int(Self.port)))
        try expectReachability(topology, frontend: true, other: false)

        try agent.write("policy.yaml", Manifests.allowOnly(from: "other", to: "backend", port: Int(Self.port)))
        try expectReachability(topology, frontend: false, other: true)

        try agent.remove("policy.yaml")
        try expectReachability(topology, frontend: true, other: true)
    }

    /// Three pods, the backend serving TCP and UDP, and the agent enforcing
    /// that only the frontend may reach it: the setup the tests below share.
    private func withFrontendAllowedIntoBackend(_ body: (Topology, RunningAgent) throws -> Void) throws {
        let topology = try makeTopology(podNames: ["frontend", "backend", "other"])
        defer { topology.teardown() }
        try topology.pod(named: "backend")?.serve(tcp: [Self.port], udp: [Self.port])
        let agent = try RunningAgent(topology: topology, files: [
            "pods.yaml": podsFile(topology),
            "policy.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: Int(Self.port)),
        ])
        defer { agent.teardown() }
        try body(topology, agent)
    }

    @Test func metricsCountAllowedAndDroppedPackets() throws {
        try withFrontendAllowedIntoBackend { topology, agent in
            let dropped = ["direction": "ingress", "verdict": "dropped", "reason": "policy_denied"]
            let allowed = ["direction": "ingress", "verdict": "forwarded", "reason": "policy_allowed"]
            let droppedBefore = try agent.metric("sluice_datapath_packets_total", dropped)
            let allowedBefore = try agent.metric("sluice_datapath_packets_total", allowed)
            let other = try #require(topology.pod(named: "other"))
            let frontend = try #require(topology.pod(named: "frontend"))
            let backend = try #require(topology.pod(named: "backend"))

            // Three UDP datagrams, each dropped once at the backend's veth.
            for _ in 0..<3 {
                #expect(try other.udp(to: backend.ipv4, port: Self.port, timeout: .milliseconds(200)) == .timeout)
            }
            let metricsText = try agent.get("/metrics").body
            #expect(try agent.metric("sluice_datapath_packets_total", dropped) == droppedBefore + 3, "\(metricsText)")
            // One UDP request: the first packet of the flow is allowed by policy, the reply by conntrack.
            #expect(try frontend.udp(to: backend.ipv4, port: Self.port).isOK)
            #expect(try agent.metric("sluice_datapath_packets_total", allowed) == allowedBefore + 1)
            #expect(try agent.metric("sluice_datapath_bytes_total", dropped) > 0)
            #expect(try agent.metric("sluice_policies") == 1)
            #expect(try agent.metric("sluice_endpoints") == 3)
            #expect(try agent.metric("sluice_manifest_files", ["state": "applied"]) == 2)
        }
    }

    /// A pod cannot borrow an allowed pod's address: "other" puts the frontend's IPv6 address
    /// on its own interface and sends from it (IPv6, so no reverse-path filter on the node
    /// stops it first). Each datagram is dropped as it leaves "other", so the backend's
    /// policy, which lets the frontend in, never sees it.
    @Test func aPodSendingFromAnotherPodsAddressIsDroppedBeforePolicy() throws {
        try withFrontendAllowedIntoBackend { topology, agent in
            let other = try #require(topology.pod(named: "other"))
            let frontend = try #require(topology.pod(named: "frontend"))
            let backend = try #require(topology.pod(named: "backend"))
            try other.run(["ip", "-6", "address", "add", "\(frontend.ipv6)/128", "dev", "eth0", "nodad"]).checked()
            let spoofed = ["direction": "egress", "verdict": "dropped", "reason": "spoofed_source"]
            let flows = ["policy": "allow", "direction": "ingress"]
            let flowsBefore = try agent.metric("sluice_policy_flows_total", flows)
            for _ in 0..<3 {
                _ = try other.udp(to: backend.ipv6, port: Self.port, timeout: .milliseconds(200), source: frontend.ipv6)
            }
            #expect(try agent.metric("sluice_datapath_packets_total", spoofed) == 3)
            #expect(try agent.metric("sluice_policy_flows_total", flows) == flowsBefore)
            // The frontend itself still gets in.
            #expect(try frontend.udp(to: backend.ipv6, port: Self.port).isOK)
        }
    }

    /// A datagram over the veth's MTU leaves the sender in IP fragments: the later ones take
    /// the first one's ports, so the allowed pod's 4,000-byte datagram (and its 4,000-byte
    /// answer) gets through on both families, no fragment of it dropped, and the other
    /// pod's stays out.
    @Test func aLargeDatagramInFragmentsMeetsThePolicyOfItsFirstFragment() throws {
        try withFrontendAllowedIntoBackend { topology, agent in
            let other = try #require(topology.pod(named: "other"))
            let frontend = try #require(topology.pod(named: "frontend"))
            let backend = try #require(topology.pod(named: "backend"))
            let payload = String(repeating: "f", count: 4000)
            let fragmentDrops = ["direction": "ingress", "verdict": "dropped", "reason": "fragment"]
            for family in AddressFamily.allCases {
                let answer = try frontend.udp(to: backend.address(family), port: Self.port, payload: payload).answer
                #expect(answer?.hasSuffix(payload) == true, "\(family): \(answer?.prefix(80) ?? "no answer")")
            }
            #expect(try agent.metric("sluice_datapath_packets_total", fragmentDrops) == 0)
            for family in AddressFamily.allCases {
                #expect(try other.udp(to: backend.address(family), port: Self.port, timeout: .milliseconds(300),
                                      payload: payload) == .timeout, "\(family)")
            }
        }
    }

    @Test func badFileKeepsItsLastGoodVersionInForceAndIsReported() throws {
        try withFrontendAllowedIntoBackend { topology, agent in
            try expectReachability(topology, frontend: true, other: false)

            try agent.write("policy.yaml", Manifests.allowOnly(from: "frontend", to: "backend", port: 70000))
            #expect(try eventually { try agent.metric("sluice_manifest_files", ["state": "error"]) == 1 })
            try expectReachability(topology, frontend: true, other: false)
            #expect(agent.log.contains("policy.yaml:8: spec.ingress[0].ports[0].port"))
        }
    }

    @Test func enforcementOutlivesTheAgentUntilTeardown() throws {
        try withFrontendAllowedIntoBackend { topology, agent in
            try expectReachability(topology, frontend: true, other: false)

            #expect(agent.stop() == 0)
            try expectReachability(topology, frontend: true, other: false)

            let sluicectl = try TestPaths.binary("sluicectl")
            let teardown = try topology.node.run([sluicectl, "teardown", "--pin-dir", agent.pins.path]).checked()
            #expect(teardown.stdout.contains("detached from: "))
            #expect(access(agent.pins.path, F_OK) != 0, "pin directory still there")
            try expectReachability(topology, frontend: true, other: true)
        }
    }
}
