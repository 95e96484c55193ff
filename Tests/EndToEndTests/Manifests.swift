import TestSupport

/// Manifests for the pods of a topology, as a Kubernetes user writes them.
enum Manifests {
    static func pod(_ pod: Pod, namespace: String = "default", labels: [String: String], node: String,
                    ports: [(String, Int)] = []) -> String {
        let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        let portText = ports.map { "{name: \($0.0), containerPort: \($0.1)}" }.joined(separator: ", ")
        return """
            apiVersion: v1
            kind: Pod
            metadata:
              name: \(pod.name)
              namespace: \(namespace)
              labels: {\(labelText)}
            spec:
              nodeName: \(node)
              containers: [{name: main, ports: [\(portText)]}]
            status:
              podIP: \(pod.ipv4)
              podIPs: [{ip: \(pod.ipv4)}, {ip: \(pod.ipv6)}]
            ---

            """
    }

    /// Lets only pods labelled app=`from` reach pods labelled app=`to` on `port` (TCP and UDP).
    static func allowOnly(from: String, to: String, port: Int, name: String = "allow") -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: \(name), namespace: default}
        spec:
          podSelector: {matchLabels: {app: \(to)}}
          ingress:
            - from: [{podSelector: {matchLabels: {app: \(from)}}}]
              ports: [{protocol: TCP, port: \(port)}, {protocol: UDP, port: \(port)}]
        """
    }
}
