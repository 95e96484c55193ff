import Foundation
import Glibc
import Testing
import TestSupport

/// NodePort and ClusterIP traffic from a separate "external" namespace, joined to the node by
/// a veth that the agent runs tc_node on (`--nodeport-interfaces`): real TCP and UDP reach a
/// backend pod, replies come back from the address the client used, and the backend's policy
/// judges the external client's own address.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct NodePortTests {
    static let httpNodePort: UInt16 = 30080
    static let dnsNodePort: UInt16 = 30053

    static let service = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: NodePort
          clusterIPs: [\(ServiceManifests.vip4), "\(ServiceManifests.vip6)"]
          selector: {app: web}
          ports:
            - {name: http, port: \(ServiceManifests.httpPort), targetPort: http, nodePort: \(httpNodePort)}
            - {name: dns, port: \(ServiceManifests.dnsPort), protocol: UDP, targetPort: dns, nodePort: \(dnsNodePort)}
        ---

        """

    static func ingressFrom(cidr: String) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-outside, namespace: default}
        spec:
          podSelector: {matchLabels: {app: web}}
          ingress:
            - from: [{ipBlock: {cidr: "\(cidr)"}}]
              ports: [{protocol: TCP, port: \(ServiceManifests.backendTCP)}]
        """
    }

    /// One backend pod `b0` serving both ports, the agent translating on the external veth.
    private func withNodePort(files: [String: String] = [:], arguments: [String] = [],
                              _ body: (Topology, RunningAgent, ExternalNetwork) throws -> Void) throws {
        let topology = try makeTopology(podNames: ["b0"])
        defer { topology.teardown() }
        let external = try ExternalNetwork.make(for: topology)
        defer { external.teardown() }
        let backend = topology.pods[0]
        try backend.serve(tcp: [ServiceManifests.backendTCP], udp: [ServiceManifests.backendUDP])
        let pods = ServiceManifests.pod(backend, labels: ["app": "web"], node: topology.id)
        let agent = try RunningAgent(topology: topology, files: files.merging(["pods.yaml": pods, "service.yaml": Self.service]) { $1 },
                                     arguments: ["--nodeport-interfaces", external.nodeInterface] + arguments)
        defer { agent.teardown() }
        try body(topology, agent, external)
    }

    @Test func tcpAndUDPFromOutsideReachTheBackendThroughTheNodeAddresses() throws {
        try withNodePort { topology, agent, external in
            let client = external.namespace
            for node in [topology.nodeIPv4, topology.nodeIPv6] {
                let tcp = try client.tcp(to: node, port: Self.httpNodePort, payload: "np")
                #expect(tcp.answer == "b0 np", "TCP to \(node):\(Self.httpNodePort): \(tcp)")
                // The probe's UDP socket is connected: it takes only an answer from node:nodePort.
                let udp = try client.udp(to: node, port: Self.dnsNodePort, payload: "np")
                #expect(udp.answer == "b0 np", "UDP to \(node):\(Self.dnsNodePort): \(udp)")
            }
            let labels = ["namespace": "default", "service": "web", "port": "http", "family": "ipv4"]
            #expect(try agent.metric("sluice_service_connections_total", labels) >= 1)
        }
    }

    /// A datagram larger than the link's MTU crosses as fragments: the ones after the first
    /// carry no ports, and follow the first one's translation, to the backend and back.
    @Test func aUDPDatagramInFragmentsReachesTheBackendAndComesBack() throws {
        try withNodePort { topology, _, external in
            let payload = String(repeating: "n", count: 4000)
            for node in [topology.nodeIPv4, topology.nodeIPv6] {
                let udp = try external.namespace.udp(to: node, port: Self.dnsNodePort, payload: payload)
                let whole = udp.answer == "b0 " + payload
                #expect(whole, "UDP to \(node): \(udp.answer.map { "\($0.utf8.count) bytes back" } ?? "no answer")")
            }
        }
    }

    /// As kube-proxy serves it, a node port is served on the node's own addresses only: a
    /// packet routed through the node to a pod's address on that port reaches the pod as it
    /// was sent, and the pod, listening on its target port only, refuses it.
    @Test func aNodePortIsServedOnTheNodesAddressesOnly() throws {
        try withNodePort { topology, _, external throws in
            let backend = topology.pods[0]
            for address in [backend.ipv4, backend.ipv6] {
                #expect(try external.namespace.tcp(to: address, port: Self.httpNodePort) == .refused, "\(address)")
            }
            #expect(try external.namespace.tcp(to: backend.ipv4, port: ServiceManifests.backendTCP).answer == "b0 hello")
            #expect(try external.namespace.tcp(to: topology.nodeIPv4, port: Self.httpNodePort).answer == "b0 hello")
        }
    }

    /// With resized maps too: tc_node shares every pinned map, so it must be loaded at the same sizes.
    @Test func clusterIPPacketsFromOutsideReachTheBackend() throws {
        try withNodePort(arguments: ["--ipcache-map-size", "4096", "--conntrack-map-size", "8192"]) { _, _, external in
            let tcp = try external.namespace.tcp(to: ServiceManifests.vip4, port: ServiceManifests.httpPort)
            #expect(tcp.answer == "b0 hello", "\(tcp)")
            let udp = try external.namespace.udp(to: ServiceManifests.vip6, port: ServiceManifests.dnsPort)
            #expect(udp.answer == "b0 hello", "\(udp)")
        }
    }

    @Test func theBackendsIngressPolicySeesTheExternalClientAddress() throws {
        try withNodePort(files: ["policy.yaml": Self.ingressFrom(cidr: "10.201.0.2/32")]) { topology, agent, external in
            let client = external.namespace
            #expect(try client.tcp(to: topology.nodeIPv4, port: Self.httpNodePort).isOK,
                    "an ipBlock holding the external client lets it in")

            try agent.write("policy.yaml", Self.ingressFrom(cidr: "10.250.0.0/24"))
            let denied = try waitUntil(timeout: .seconds(5)) {
                try client.tcp(to: topology.nodeIPv4, port: Self.httpNodePort, timeout: .milliseconds(300)) == .timeout
            }
            #expect(denied, "an ipBlock without the external client keeps it out")
        }
    }

    @Test func teardownTakesTheFiltersOffTheNodePortInterface() throws {
        try withNodePort { topology, agent, external in
            let show = { (direction: String) throws -> String in
                try run(["tc", "-n", topology.node.name, "filter", "show", "dev", external.nodeInterface, direction])
                    .checked().stdout
            }
            let (ingress, egress) = (try show("ingress"), try show("egress"))
            // The kernel keeps 15 characters of a program name.
            #expect(ingress.contains("sluice_from_net") && egress.contains("sluice_to_netwo"), "\(ingress)\n\(egress)")
            agent.teardown()
            let (ingressAfter, egressAfter) = (try show("ingress"), try show("egress"))
            #expect(!ingressAfter.contains("sluice_") && !egressAfter.contains("sluice_"), "\(ingressAfter)\n\(egressAfter)")
        }
    }
}
