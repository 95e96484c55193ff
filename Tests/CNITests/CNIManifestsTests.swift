@testable import Agent
import CNI
import Foundation
import Model
import Planner
import Testing

struct CNIManifestsTests {
    private func endpoint(_ container: String, pod: String, namespace: String = "shop", addresses: [String],
                          at seconds: TimeInterval = 0) -> CNIEndpoint {
        CNIEndpoint(key: .init(network: "sluice", attachment: CNIAttachment(containerID: container, ifname: "eth0")),
                    netns: "/run/netns/\(container)", podNamespace: namespace, podName: pod,
                    hostInterface: HostInterfaceName.make(for: CNIAttachment(containerID: container, ifname: "eth0")),
                    addresses: addresses, registeredAt: Date(timeIntervalSince1970: seconds))
    }

    private func manifest(_ name: String, labels: [String: String], node: String = "elsewhere",
                          address: String = "10.9.9.9") -> Manifest {
        let pod = Pod(metadata: ObjectMeta(name: name, namespace: "shop", labels: labels),
                      spec: PodSpec(nodeName: node, containers: [Container(name: "main", ports: [ContainerPort(name: "http", containerPort: 8080)])]),
                      status: PodStatus(podIP: IPAddress(address), podIPs: [IPAddress(address)].compactMap { $0 }))
        return .pod(pod, source: ManifestSource(file: "pods.yaml", line: 1))
    }

    private func pods(_ cluster: Cluster) -> [String: Pod] {
        Dictionary(cluster.pods.map { ($0.key.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aManifestGivesLabelsAndPortsTheCNIGivesNodeAddressesAndInterface() throws {
        let cni = endpoint("c1", pod: "web", addresses: ["fd00::5", "10.244.1.5"])
        let merged = CNIManifests.merge(Cluster(manifests: [manifest("web", labels: ["app": "web"])]), endpoints: [cni], nodeName: "node-a")
        let web = try #require(pods(merged)["web"])
        #expect(web.labels == ["app": "web"])
        #expect(web.spec.containers.first?.ports.first?.name == "http")
        #expect(web.spec.nodeName == "node-a")
        #expect(web.status.podIP == IPAddress("10.244.1.5"))
        #expect(web.status.podIPs == ["10.244.1.5", "fd00::5"].compactMap { IPAddress($0) })
        #expect(web.metadata.annotations[PlannerAnnotations.hostInterface] == cni.hostInterface)
        #expect(merged.pods.count == 1)
    }

    @Test func aCNIPodWithoutManifestIsALocalPodWithoutLabels() throws {
        let merged = CNIManifests.merge(Cluster(manifests: [manifest("other", labels: ["app": "x"])]),
                                        endpoints: [endpoint("c2", pod: "db", addresses: ["10.244.1.6"])], nodeName: "node-a")
        let db = try #require(pods(merged)["db"])
        #expect(db.labels.isEmpty)
        #expect(db.namespace == "shop")
        #expect(db.spec.nodeName == "node-a")
        #expect(pods(merged)["other"]?.spec.nodeName == "elsewhere", "other manifests pass untouched")
        #expect(merged.pods[ObjectRef(namespace: "shop", name: "db")] == db)
        #expect(merged.namespaceLabels["shop"] == [Namespace.nameLabel: "shop"], "a CNI pod's namespace exists")
    }

    @Test func whileASandboxIsReplacedBothVethsStayEnforcedWithThePodsLabels() throws {
        let old = endpoint("old", pod: "web", addresses: ["10.244.1.5"], at: 100)
        let new = endpoint("new", pod: "web", addresses: ["10.244.1.9"], at: 200)
        let merged = CNIManifests.merge(Cluster(manifests: [manifest("web", labels: ["app": "web"])]), endpoints: [old, new], nodeName: "node-a")
        let byName = pods(merged)
        #expect(byName["web"]?.status.podIP == IPAddress("10.244.1.9"), "the newest sandbox is the pod")
        let alias = try #require(byName.values.first { $0.status.podIP == IPAddress("10.244.1.5") })
        #expect(alias.name != "web")
        #expect(alias.labels == ["app": "web"])
        #expect(alias.metadata.annotations[PlannerAnnotations.hostInterface] == old.hostInterface)
    }
}
