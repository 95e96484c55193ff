import Model
@testable import Planner
import Testing

/// A plan that reuses the last plan's address classes must equal one that computes them
/// again, whatever changed in between.
@Suite struct AddressClassMemoTests {
    private let pods = pod("frontend", labels: ["app": "frontend"], ip: "10.0.0.10")
        + pod("backend", labels: ["app": "backend"], ip: "10.0.0.20", ports: [("http", 8080)])
        + pod("other", labels: ["app": "other"], ip: "10.0.0.30")

    private func allow(_ peer: String, port: Int) -> String {
        policy("""
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - from: [{podSelector: {matchLabels: {app: \(peer)}}}, {ipBlock: {cidr: 10.0.0.0/24, except: [10.0.0.30/32]}}]
                  ports: [{port: \(port)}]
              egress:
                - to: [{podSelector: {matchLabels: {app: other}}}]
                  ports: [{port: http}]
            """, name: "allow")
    }

    private func decode(_ yaml: String) throws -> [Manifest] {
        try ManifestDecoder.decode(contents: yaml, file: "fixture.yaml")
    }

    /// Plans `next` after `first` with warm allocations, and again with the classes
    /// forgotten; both must agree bit for bit.
    private func expectReuseAgrees(first: Cluster, next: Cluster) {
        let node = NodeSettings(name: "node-a", addresses: [IPAddress(v4: 10, 0, 0, 1)])
        var warm = Allocations()
        _ = Planner.plan(first, node: node, allocations: &warm)
        var cold = warm
        cold.addressClasses = AddressClassMemo()
        let reused = Planner.plan(next, node: node, allocations: &warm)
        let computed = Planner.plan(next, node: node, allocations: &cold)
        #expect(reused == computed)
        #expect(warm == cold)
    }

    /// `base` with the file holding `old` edited to hold `new`, as the agent's store does it.
    private func editing(_ base: Cluster, from old: String, to new: String) throws -> Cluster {
        var edited = base
        edited.remove(try decode(old))
        edited.add(try decode(new))
        return edited
    }

    @Test func aPortEditReusesTheClassesAndAgrees() throws {
        let base = Cluster(manifests: try decode(pods + allow("frontend", port: 80)))
        expectReuseAgrees(first: base, next: try editing(base, from: allow("frontend", port: 80),
                                                         to: allow("frontend", port: 81)))
    }

    @Test func aNewPeerOrAChangedPodComputesThemAgainAndAgrees() throws {
        let base = Cluster(manifests: try decode(pods + allow("frontend", port: 80)))
        expectReuseAgrees(first: base, next: try editing(base, from: allow("frontend", port: 80),
                                                         to: allow("other", port: 80)))

        expectReuseAgrees(first: base, next: try editing(base, from: pod("other", labels: ["app": "other"], ip: "10.0.0.30"),
                                                         to: pod("other", labels: ["app": "frontend"], ip: "10.0.0.30")))
    }

    @Test func unchangedInputsHitTheMemo() throws {
        let cluster = Cluster(manifests: try decode(pods + allow("frontend", port: 80)))
        var allocations = Allocations()
        let first = Planner.plan(cluster, node: NodeSettings(name: "node-a"), allocations: &allocations)
        let peers = PolicyPeers(cluster: cluster, order: cluster.policies.keys.sorted(), allocations: &allocations)
        let inputs = AddressClassMemo.Inputs(peerIDs: peers.peerIDs, namedPortsInEgress: peers.namedPortsInEgress,
                                             nodeAddresses: [], namespaceLabels: cluster.namespaceLabels,
                                             pods: cluster.pods)
        let remembered = try #require(allocations.addressClasses.classes(for: inputs))
        #expect(remembered.ipcache == first.ipcache)
        #expect(remembered.identities == first.identities)
    }
}
