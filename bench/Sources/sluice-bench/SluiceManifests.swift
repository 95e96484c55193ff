import TestSupport

/// The manifests Sluice reads at a scale: the pods, and N NetworkPolicies or N Services,
/// one object per file as a ConfigMap mount holds them, the probed one in the file that
/// sorts last (the agent plans files in name order).
enum SluiceManifests {
    static func pods(client: Pod, servers: [Pod], node: String) -> String {
        ([pod(client, app: "client", node: node)] + servers.map { pod($0, app: "server", node: node) })
            .joined(separator: "---\n")
    }

    /// Selects the servers for ingress and allows nothing: every path to them starts blocked.
    static let defaultDeny = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: default}
        spec:
          podSelector: {matchLabels: {app: server}}
          policyTypes: [Ingress]

        """

    static func fileName(_ index: Int) -> String {
        "object-\(pad(index)).yaml"
    }

    /// Policy `index`: one peer address on one port, or, for the probed one, the client
    /// on the served port (`open`) or on a port nobody serves.
    static func policy(_ index: Int, scale: Int, open: Bool) -> String {
        let rule: String
        if index == ScaleAddressing.probedIndex(scale: scale) {
            rule = "- from: [{podSelector: {matchLabels: {app: client}}}]\n"
                + "      ports: [{protocol: TCP, port: \(ScaleAddressing.probedPort(open: open))}]"
        } else {
            rule = "- from: [{ipBlock: {cidr: \(ScaleAddressing.unusedPeer(index))/32}}]\n"
                + "      ports: [{protocol: TCP, port: \(ScaleAddressing.unusedPeerPort(index))}]"
        }
        return """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-\(pad(index)), namespace: default}
            spec:
              podSelector: {matchLabels: {app: server}}
              ingress:
                \(rule)

            """
    }

    /// Service `index` with three backends in an EndpointSlice; the probed one's are the
    /// server pods, on the served port (`open`) or on a port nobody serves. Health checks
    /// are off, as kube-proxy has none: probing 30,000 addresses nothing answers would
    /// measure the prober, and take the unused backends out of their tables.
    /// With `nodePort`, of type NodePort on that port too.
    static func service(_ index: Int, scale: Int, servers: [Pod], open: Bool, nodePort: UInt16? = nil) -> String {
        let probed = index == ScaleAddressing.probedIndex(scale: scale)
        let backends = (0..<3).map { backend in
            probed ? servers[backend % servers.count].ipv4 : ScaleAddressing.unusedBackend(service: index, backend: backend)
        }
        let port = probed ? ScaleAddressing.probedPort(open: open) : ScaleAddressing.servedPort
        let name = "svc-\(pad(index))"
        let type = nodePort == nil ? "" : "\n  type: NodePort"
        let nodePortField = nodePort.map { ", nodePort: \($0)" } ?? ""
        return """
            apiVersion: v1
            kind: Service
            metadata: {name: \(name), namespace: default, annotations: {sluice.dev/health-check: none}}
            spec:
              clusterIP: \(ScaleAddressing.clusterIP(index))\(type)
              ports: [{name: http, protocol: TCP, port: \(ScaleAddressing.servicePort), targetPort: \(ScaleAddressing.servedPort)\(nodePortField)}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: \(name)-1, namespace: default, labels: {kubernetes.io/service-name: \(name)}}
            addressType: IPv4
            endpoints: [\(backends.map { "{addresses: [\($0)]}" }.joined(separator: ", "))]
            ports: [{name: http, protocol: TCP, port: \(port)}]

            """
    }

    private static func pod(_ pod: Pod, app: String, node: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(pod.name), namespace: default, labels: {app: \(app)}}
        spec:
          nodeName: \(node)
          containers: [{name: main, ports: [{name: http, containerPort: \(ScaleAddressing.servedPort)}]}]
        status:
          podIP: \(pod.ipv4)
          podIPs: [{ip: \(pod.ipv4)}]

        """
    }

    private static func pad(_ index: Int) -> String {
        let text = String(index)
        return String(repeating: "0", count: max(0, 5 - text.count)) + text
    }
}
