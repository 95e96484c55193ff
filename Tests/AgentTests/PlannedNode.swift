@testable import Agent
import Model
import Planner

/// A node planned from YAML the way the agent plans it, with every local pod
/// given an interface, for explaining flows without a kernel.
struct PlannedNode {
    static let nodeName = "node-a"
    static let nodeAddress = "192.168.0.1"

    let cluster: Cluster
    let plan: DesiredState
    let allocations: Allocations
    let interfaces: [String: String]

    init(_ yaml: String, withoutInterface: Set<String> = []) throws {
        cluster = Cluster(manifests: try ManifestDecoder.decode(contents: yaml, file: "fixture.yaml"))
        var allocations = Allocations()
        let node = NodeSettings(name: Self.nodeName, addresses: [IPAddress(Self.nodeAddress)].compactMap { $0 })
        plan = Planner.plan(cluster, node: node, allocations: &allocations)
        self.allocations = allocations
        var interfaces: [String: String] = [:]
        for (index, endpoint) in plan.endpoints.enumerated() where !withoutInterface.contains(endpoint.pod.description) {
            interfaces[endpoint.pod.description] = "veth\(index)"
        }
        self.interfaces = interfaces
    }

    var explainer: PolicyExplainer {
        PolicyExplainer(plan: plan, cluster: cluster, interfaces: interfaces, peers: allocations.peers)
    }

    func explain(from: String, to: String, port: String, family: String? = nil) throws -> ExplainDocument {
        var parameters = ["from": from, "to": to, "port": port]
        parameters["family"] = family
        return try explainer.explain(ExplainQuery(parameters: parameters))
    }

    /// The agent's snapshot after a sync of this plan.
    var snapshot: AgentStatus.Snapshot {
        var snapshot = AgentStatus.Snapshot()
        snapshot.ready = true
        snapshot.plan = plan
        snapshot.cluster = cluster
        snapshot.interfaces = interfaces
        snapshot.peers = allocations.peers
        snapshot.endpoints = interfaces.count
        snapshot.identities = plan.identities.count
        snapshot.policies = plan.policyNames.count
        snapshot.policyNames = plan.policyNames.mapValues(\.description)
        snapshot.policyEntries = plan.policy.count
        snapshot.ipcacheEntries = plan.ipcache.count
        return snapshot
    }
}

/// YAML for one pod on `node`.
func pod(_ name: String, namespace: String = "default", labels: [String: String] = [:], ip: String,
         ipv6: String? = nil, node: String = PlannedNode.nodeName, ports: [(String, Int)] = []) -> String {
    let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
    let portText = ports.map { "{name: \($0.0), containerPort: \($0.1)}" }.joined(separator: ", ")
    let ips = ([ip] + (ipv6.map { [$0] } ?? [])).map { "{ip: \"\($0)\"}" }.joined(separator: ", ")
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: \(namespace), labels: {\(labelText)}}
        spec:
          nodeName: \(node)
          containers: [{name: main, ports: [\(portText)]}]
        status:
          podIP: "\(ip)"
          podIPs: [\(ips)]
        ---

        """
}
