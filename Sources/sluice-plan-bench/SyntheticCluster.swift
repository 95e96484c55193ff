import Model
import Planner

/// A cluster shaped like a busy one: namespaces of pods with app and tier
/// labels, policies selecting an app and allowing a few others on ports,
/// port ranges and named ports, some through namespace selectors and ipBlocks.
struct SyntheticCluster {
    let namespaces: Int
    let podsPerNamespace: Int
    let policies: Int
    let localPods: Int

    var totalPods: Int { namespaces * podsPerNamespace }

    /// Policy 0's manifest at `version`, as a file holding only it would give.
    func editedPolicy(version: Int) -> [Manifest] {
        [.networkPolicy(policy(0, version: version), source: ManifestSource(file: "synthetic.yaml", line: 1))]
    }

    func manifests(policyVersion: Int = 0) -> [Manifest] {
        var result: [Manifest] = []
        let source = ManifestSource(file: "synthetic.yaml", line: 1)
        for n in 0..<namespaces {
            let meta = ObjectMeta(name: "ns\(n)", labels: ["team": "t\(n % 10)"])
            result.append(.namespace(Namespace(metadata: meta), source: source))
        }
        for index in 0..<totalPods {
            result.append(.pod(pod(index), source: source))
        }
        for index in 0..<policies {
            result.append(.networkPolicy(policy(index, version: index == 0 ? policyVersion : 0), source: source))
        }
        return result
    }

    private func pod(_ index: Int) -> Pod {
        let namespace = "ns\(index % namespaces)"
        let labels = ["app": "app\(index % 100)", "tier": ["web", "api", "db"][index % 3]]
        let address = IPAddress(v4: 10, UInt8(index >> 16 & 0xff), UInt8(index >> 8 & 0xff), UInt8(index & 0xff))
        // Spread local pods over the index space so every namespace has some.
        let isLocal = index % max(totalPods / max(localPods, 1), 1) == 0
        let ports = [ContainerPort(name: "http", containerPort: UInt16(8000 + index % 5)),
                     ContainerPort(name: "metrics", containerPort: 9100)]
        return Pod(metadata: ObjectMeta(name: "pod\(index)", namespace: namespace, labels: labels),
                   spec: PodSpec(nodeName: isLocal ? "node-a" : "node-\(index % 40)",
                                 containers: [Container(name: "main", ports: ports)]),
                   status: PodStatus(podIP: address, podIPs: [address]))
    }

    private func policy(_ index: Int, version: Int) -> NetworkPolicy {
        let namespace = "ns\(index % namespaces)"
        let target = LabelSelector(matchLabels: ["app": "app\(index % 100)"])
        // Version 1 lets in other pods of its namespace (a new peer); version 2, the same
        // peers as version 1 on another port.
        let fromApp = NetworkPolicyPeer(
            podSelector: LabelSelector(matchLabels: ["app": "app\((index + 1 + (version >= 1 ? 49 : 0)) % 100)"]))
        let fromTeam = NetworkPolicyPeer(
            podSelector: LabelSelector(matchLabels: ["tier": "web"]),
            namespaceSelector: LabelSelector(matchLabels: ["team": "t\(index % 10)"]))
        var peers = [fromApp, fromTeam]
        if index % 10 == 0, let cidr = CIDR("192.168.\(index % 256).0/24"), let except = CIDR("192.168.\(index % 256).128/25") {
            peers.append(NetworkPolicyPeer(ipBlock: IPBlock(cidr: cidr, except: [except])))
        }
        let ports = [NetworkPolicyPort(protocol: .tcp, port: .number(version == 2 ? 81 : 80)),
                     NetworkPolicyPort(protocol: .tcp, port: .number(8000), endPort: 8099),
                     NetworkPolicyPort(protocol: .tcp, port: .name("metrics"))]
        let ingress = NetworkPolicyIngressRule(from: peers, ports: ports)
        let spec = NetworkPolicySpec(podSelector: target, policyTypes: [.ingress], ingress: [ingress], egress: [])
        return NetworkPolicy(metadata: ObjectMeta(name: "policy\(index)", namespace: namespace), spec: spec)
    }
}
