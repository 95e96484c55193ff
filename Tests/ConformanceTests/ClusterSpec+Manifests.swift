import Foundation
import TestSupport

extension ClusterSpec {
    /// The policy directory this spec is written as, file name to contents; `addresses`
    /// are the topology's pods, whose addresses go into the pods' status.
    func files(addresses: [PodID: TestSupport.Pod], nodeName: String) -> [String: String] {
        var files = ["namespaces.yaml": namespaceManifests, "pods.yaml": podManifests(addresses: addresses, nodeName: nodeName)]
        for policy in policies {
            files[policy.fileName] = policy.manifest
        }
        return files
    }

    private var namespaceManifests: String {
        namespaces.keys.sorted().map { name in
            """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: \(name)
              labels: \(flowMapping(namespaces[name] ?? [:]))
            ---

            """
        }.joined()
    }

    private func podManifests(addresses: [PodID: TestSupport.Pod], nodeName: String) -> String {
        podIDs.compactMap { id -> String? in
            guard let spec = pods[id], let pod = addresses[id] else { return nil }
            let ports = spec.ports.map {
                "{name: \($0.name), containerPort: \($0.number), protocol: \($0.transport.rawValue.uppercased())}"
            }
            return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: \(id.name)
                  namespace: \(id.namespace)
                  labels: \(flowMapping(spec.labels))
                spec:
                  nodeName: \(nodeName)
                  containers: [{name: server, ports: [\(ports.joined(separator: ", "))]}]
                status:
                  phase: Running
                  podIP: \(pod.ipv4)
                  podIPs: [{ip: \(pod.ipv4)}, {ip: "\(pod.ipv6)"}]
                ---

                """
        }.joined()
    }

    /// `{"key": "value", ...}` with keys sorted, so equal specs give equal files.
    private func flowMapping(_ labels: [String: String]) -> String {
        "{" + labels.sorted { $0.key < $1.key }.map { "\(quoted($0.key)): \(quoted($0.value))" }.joined(separator: ", ") + "}"
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
