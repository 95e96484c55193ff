import BPF
import CSluiceBPF
import Foundation
import Glibc
import Testing
import TestSupport

/// A backend whose pod is deleted drains: its established NodePort connection goes on for the
/// grace period while new connections go to the other backend, and ends when the grace does.
/// The NodePort path is where this shows: its flows are translated per packet, so a backend
/// leaving the service without a grace period would move the next packet elsewhere (a reset).
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct TerminatingBackendTests {
    static let graceSeconds = 4

    @Test func aDrainingBackendKeepsItsEstablishedConnectionWhileNewOnesGoElsewhere() throws {
        let topology = try makeTopology(podNames: ["b0", "b1"])
        defer { topology.teardown() }
        let external = try ExternalNetwork.make(for: topology)
        defer { external.teardown() }
        for pod in topology.pods { try pod.serve(tcp: [ServiceManifests.backendTCP], udp: [ServiceManifests.backendUDP]) }
        let manifests = { (pods: [Pod]) in
            pods.map { ServiceManifests.pod($0, labels: ["app": "web"], node: topology.id) }.joined()
        }
        let agent = try RunningAgent(
            topology: topology, files: ["pods.yaml": manifests(topology.pods), "service.yaml": NodePortTests.service],
            arguments: ["--nodeport-interfaces", external.nodeInterface,
                        "--terminating-grace-period", String(Self.graceSeconds)])
        defer { agent.teardown() }

        let session = try external.namespace.spawn([
            try TestPaths.binary("sluice-probe"), "session", topology.nodeIPv4, String(NodePortTests.httpNodePort),
            "--lines", "200", "--interval-ms", "100", "--timeout-ms", "1000"])
        defer { _ = session.stop() }
        try session.waitForLine("ok 3", timeout: .seconds(5))

        // The session's backend, from its NAT entry.
        let nat = try BPFMap<sluice_nat_key, sluice_nat_value>(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_NAT)
        let forward = try #require(try nat.entries().first {
            $0.key.direction == UInt8(SLUICE_NAT_FORWARD.rawValue) && UInt16(bigEndian: $0.key.dport) == NodePortTests.httpNodePort
        })
        let address = withUnsafeBytes(of: forward.value.addr) { Array($0.prefix(4)) }.map(String.init).joined(separator: ".")
        let draining = try #require(topology.pods.first { $0.ipv4 == address })
        let staying = try #require(topology.pods.first { $0.ipv4 != address })

        // Its pod is deleted; its process still answers, as a pod's does during its own grace period.
        try agent.write("pods.yaml", manifests([staying]))
        let movedOn = try waitUntil(timeout: .seconds(5)) {
            try (0..<5).allSatisfy { _ in
                try external.namespace.tcp(to: topology.nodeIPv4, port: NodePortTests.httpNodePort).answer?
                    .hasPrefix(staying.name) == true
            }
        }
        #expect(movedOn, "new connections go to \(staying.name) only")
        let linesNow = session.stdout.split(separator: "\n").count
        try session.waitForLine("ok \(linesNow + 10)", timeout: .seconds(3))
        #expect(session.isRunning, "the established connection to \(draining.name) is still served")

        // When the grace period ends the backend leaves the service, and the flow with it.
        let status = session.waitForExit(timeout: .seconds(Self.graceSeconds + 6))
        #expect(status != nil && status != 0, "the session ends after the grace period: \(session.stdout.suffix(40))")
    }
}
