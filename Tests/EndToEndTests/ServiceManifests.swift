import TestSupport

/// Services and their backend pods, as a Kubernetes user writes them.
enum ServiceManifests {
    static let vip4 = "10.96.0.10"
    static let vip6 = "fd00:96::10"
    static let httpPort: UInt16 = 80
    static let dnsPort: UInt16 = 53
    /// Where the backend pods' servers listen (their named ports `http` and `dns`).
    static let backendTCP: UInt16 = 8080
    static let backendUDP: UInt16 = 5353

    /// A pod with named ports `http` (TCP 8080) and `dns` (UDP 5353).
    static func pod(_ pod: Pod, labels: [String: String], node: String, annotations: [String: String] = [:]) -> String {
        let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        let annotationText = annotations.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ")
        return """
            apiVersion: v1
            kind: Pod
            metadata:
              name: \(pod.name)
              labels: {\(labelText)}
              annotations: {\(annotationText)}
            spec:
              nodeName: \(node)
              containers:
                - name: main
                  ports: [{name: http, containerPort: \(backendTCP)}, {name: dns, containerPort: \(backendUDP), protocol: UDP}]
            status:
              podIP: \(pod.ipv4)
              podIPs: [{ip: \(pod.ipv4)}, {ip: \(pod.ipv6)}]
            ---

            """
    }

    /// Service `web` on both VIPs: `http` 80/TCP and `dns` 53/UDP to the pods' named ports.
    static func service(selector app: String = "web", affinitySeconds: Int? = nil) -> String {
        let affinity = affinitySeconds.map {
            "\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: \($0)}}"
        } ?? ""
        return """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              clusterIPs: [\(vip4), "\(vip6)"]
              selector: {app: \(app)}\(affinity)
              ports:
                - {name: http, port: \(httpPort), targetPort: http}
                - {name: dns, port: \(dnsPort), protocol: UDP, targetPort: dns}
            """
    }
}
