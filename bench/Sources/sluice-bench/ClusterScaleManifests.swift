import TestSupport

/// The manifests of the cluster-scale control-plane run (issue #3's target): namespaces
/// with team labels, pods with app and tier labels on other nodes, and policies shaped like
/// sluice-plan-bench's SyntheticCluster (an app podSelector target; peers from an app, from
/// web pods of a team's namespaces, and on every 10th an ipBlock with an except; ports 80,
/// 8000-8099 and the named port "metrics"). The topology's real pods join in: the servers
/// in ns0 as app0 (so the synthetic policies selecting app0 there select them too), the
/// client in a namespace of its own that only the probed policy lets in.
struct ClusterScaleManifests {
    let shape: ClusterScaleShape
    let client: Pod
    let servers: [Pod]
    let node: String

    static let clientNamespace = "bench-clients"
    /// The probed policy's file: written last, and the one each change rewrites.
    static let probedFile = "zz-probed.yaml"

    /// Pods other than the topology's real four, which count towards the shape's total.
    var syntheticPods: Int { max(0, shape.pods - 1 - servers.count) }

    /// What the agent starts with: the real pods, the servers isolated by a default deny.
    var initial: [String: String] {
        let pods = [pod(name: client.name, namespace: Self.clientNamespace, address: client.ipv4,
                        labels: "{app: client}", node: node, httpPort: ScaleAddressing.servedPort)]
            + servers.map { server in
                pod(name: server.name, namespace: "ns0", address: server.ipv4,
                    labels: "{app: app0, tier: db, role: bench-server}", node: node, httpPort: ScaleAddressing.servedPort)
            }
        return [
            "00-bench-pods.yaml": pods.joined(separator: "---\n"),
            "00-default-deny.yaml": """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: default-deny, namespace: ns0}
                spec:
                  podSelector: {matchLabels: {role: bench-server}}
                  policyTypes: [Ingress]

                """,
        ]
    }

    /// The full load, in the order written: namespaces, pods one file per namespace,
    /// policies one file each, the probed policy last.
    func load() -> [(name: String, contents: String)] {
        var files: [(name: String, contents: String)] = []
        let namespaces = (0..<shape.namespaces).map { index in
            namespace("ns\(index)", labels: "{team: t\(index % 10)}")
        } + [namespace(Self.clientNamespace, labels: "{role: clients}")]
        files.append(("01-namespaces.yaml", namespaces.joined(separator: "---\n")))
        var byNamespace = [[String]](repeating: [], count: shape.namespaces)
        for index in 0..<syntheticPods {
            byNamespace[index % shape.namespaces].append(syntheticPod(index))
        }
        for (index, pods) in byNamespace.enumerated() where !pods.isEmpty {
            files.append(("02-pods-ns\(pad(index)).yaml", pods.joined(separator: "---\n")))
        }
        for index in 0..<shape.policies {
            files.append(("03-policy-\(pad(index)).yaml", policy(index)))
        }
        files.append((Self.probedFile, probed(open: true)))
        return files
    }

    /// Selects the servers and lets the client in on the served port (`open`) or on a port
    /// nobody serves, through a namespaceSelector and podSelector peer.
    func probed(open: Bool) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: probed, namespace: ns0}
        spec:
          podSelector: {matchLabels: {role: bench-server}}
          ingress:
            - from: [{namespaceSelector: {matchLabels: {role: clients}}, podSelector: {matchLabels: {app: client}}}]
              ports: [{protocol: TCP, port: \(ScaleAddressing.probedPort(open: open))}]

        """
    }

    /// Synthetic pod `index`'s address: 10.220.0.0/14 is used by nothing in the topology.
    static func syntheticAddress(_ index: Int) -> String {
        let flat = index + 1
        return "10.\(220 + flat >> 16).\(flat >> 8 & 0xff).\(flat & 0xff)"
    }

    private func syntheticPod(_ index: Int) -> String {
        pod(name: "pod\(index)", namespace: "ns\(index % shape.namespaces)", address: Self.syntheticAddress(index),
            labels: "{app: app\(index % 100), tier: \(["web", "api", "db"][index % 3])}", node: "node-\(index % 40)",
            httpPort: UInt16(8000 + index % 5))
    }

    private func policy(_ index: Int) -> String {
        let ipBlock = index % 10 == 0
            ? "\n        - ipBlock: {cidr: 192.168.\(index % 256).0/24, except: [192.168.\(index % 256).128/25]}" : ""
        return """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: policy\(index), namespace: ns\(index % shape.namespaces)}
            spec:
              podSelector: {matchLabels: {app: app\(index % 100)}}
              policyTypes: [Ingress]
              ingress:
                - from:
                    - podSelector: {matchLabels: {app: app\((index + 1) % 100)}}
                    - namespaceSelector: {matchLabels: {team: t\(index % 10)}}
                      podSelector: {matchLabels: {tier: web}}\(ipBlock)
                  ports:
                    - {protocol: TCP, port: 80}
                    - {protocol: TCP, port: 8000, endPort: 8099}
                    - {protocol: TCP, port: metrics}

            """
    }

    private func namespace(_ name: String, labels: String) -> String {
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: \(name), labels: \(labels)}

        """
    }

    private func pod(name: String, namespace: String, address: String, labels: String, node: String,
                     httpPort: UInt16) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: \(namespace), labels: \(labels)}
        spec:
          nodeName: \(node)
          containers: [{name: main, ports: [{name: http, containerPort: \(httpPort)}, {name: metrics, containerPort: 9100}]}]
        status:
          podIP: \(address)
          podIPs: [{ip: \(address)}]

        """
    }

    private func pad(_ index: Int) -> String {
        let text = String(index)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
