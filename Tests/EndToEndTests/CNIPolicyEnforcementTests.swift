import Foundation
import Glibc
import Testing
import TestSupport

/// Pods attached through `sluice-cni` get their labels from the `v1 Pod` manifests of
/// the same name and are under NetworkPolicy from their first packet, with real TCP over
/// IPv4 and IPv6; enforcement and CNI registrations survive an agent restart.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct CNIPolicyEnforcementTests {
    private static let port: UInt16 = 80

    /// Pod manifests as a user writes them: labels only. Node, addresses and interface come from the CNI.
    private static func pod(_ name: String, app: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: default, labels: {app: \(app)}}
        spec:
          containers: [{name: main, ports: [{name: http, containerPort: \(port)}]}]
        ---

        """
    }

    @Test func attachedPodsAreUnderPolicyFromTheirFirstPacketAndAfterARestart() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        try bed.write("pods.yaml", Self.pod("client", app: "frontend") + Self.pod("server", app: "backend"))
        try bed.write("policy.yaml", Manifests.allowOnly(from: "frontend", to: "backend", port: Int(Self.port)))
        try bed.startAgent()

        let server = try bed.makePod()
        let client = try bed.makePod()
        let stranger = try bed.makePod()
        let serverAdd = try bed.plugin("ADD", container: "server-1", pod: server, podName: "server")
        #expect(serverAdd.status == 0, "\(serverAdd)\n\(bed.agentLog)")
        try server.serve(tcp: [Self.port])
        #expect(try bed.plugin("ADD", container: "client-1", pod: client, podName: "client").status == 0)
        // No manifest: a pod without labels, named after its container when the runtime gives no pod name.
        #expect(try bed.plugin("ADD", container: "stranger-1", pod: stranger).status == 0)

        // Straight after ADD returned: no waiting, the first connection is already judged.
        for address in serverAdd.addresses {
            #expect(try client.canReach(address, port: Self.port), "client -> \(address)")
            #expect(!(try stranger.canReach(address, port: Self.port)), "stranger -> \(address)")
        }

        // While the agent is down the policy is edited; the restarted agent must apply it to the
        // endpoints it restored from its state directory (without them it would detach everything).
        #expect(bed.stopAgent() == 0)
        #expect(try client.canReach(serverAdd.addresses[0], port: Self.port), "enforcement outlives the agent")
        try bed.write("policy.yaml", Manifests.allowOnly(from: "nobody", to: "backend", port: Int(Self.port)))
        try bed.startAgent()
        #expect(try bed.metric("sluice_endpoints") == 3)
        for address in serverAdd.addresses {
            #expect(try eventually { !(try client.canReach(address, port: Self.port, timeout: .milliseconds(300))) },
                    "client -> \(address) after the restart\n\(bed.agentLog)")
        }

        for (container, pod) in [("server-1", server), ("client-1", client), ("stranger-1", stranger)] {
            let delete = try bed.plugin("DEL", container: container, pod: pod)
            #expect(delete.status == 0, "\(delete)")
        }
        #expect(try bed.hostLinks().isEmpty)
        #expect(bed.reservations.isEmpty)
        #expect(try bed.metric("sluice_endpoints") == 0)
    }
}
