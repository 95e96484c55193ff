import Model
import Planner
import Testing

/// The agent keeps one cluster and updates it file by file; every update must
/// leave exactly the cluster a fresh build of the remaining manifests gives.
struct ClusterUpdateTests {
    private func decode(_ yaml: String) throws -> [Manifest] {
        try ManifestDecoder.decode(contents: yaml, file: "fixture.yaml")
    }

    private let namespace = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {team: a}, annotations: {sluice.dev/policy-audit: "true"}}
        ---

        """

    private let policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny, namespace: shop}
        spec: {podSelector: {}}
        ---

        """

    @Test func removingAFileLeavesWhatAFreshBuildOfTheOthersGives() throws {
        let files = [
            try decode(namespace),
            try decode(pod("web", namespace: "shop", labels: ["app": "web"], ip: "10.0.0.1")),
            try decode(policy + pod("db", namespace: "other", labels: ["app": "db"], ip: "10.0.0.2")),
        ]
        for removed in files.indices {
            var updated = Cluster(manifests: files.flatMap { $0 })
            updated.remove(files[removed])
            let fresh = Cluster(manifests: files.indices.filter { $0 != removed }.flatMap { files[$0] })
            #expect(updated == fresh, "after removing file \(removed)")
        }
    }

    @Test func aNamespaceWithoutManifestLastsWhileSomethingIsInIt() throws {
        let web = try decode(pod("web", namespace: "shop", labels: ["app": "web"], ip: "10.0.0.1"))
        let declared = try decode(namespace)
        var cluster = Cluster(manifests: declared + web)
        #expect(cluster.namespaceLabels["shop"] == ["team": "a", Namespace.nameLabel: "shop"])
        #expect(cluster.isAudited(namespace: "shop"))

        cluster.remove(declared)
        #expect(cluster.namespaceLabels["shop"] == [Namespace.nameLabel: "shop"], "the pod keeps it in existence")
        #expect(!cluster.isAudited(namespace: "shop"))

        cluster.remove(web)
        #expect(cluster.namespaceLabels["shop"] == nil)
        #expect(cluster == Cluster())
    }

    @Test func replacingAPodKeepsItsNamespaceCounted() throws {
        let web = try decode(pod("web", namespace: "shop", labels: ["app": "web"], ip: "10.0.0.1"))
        var cluster = Cluster(manifests: web)
        guard case .pod(var changed, _) = web[0] else { Issue.record("not a pod"); return }
        changed.metadata.labels = ["app": "web2"]
        cluster.replace(changed)
        #expect(cluster.pods[ObjectRef(namespace: "shop", name: "web")]?.labels == ["app": "web2"])
        cluster.remove(web)
        #expect(cluster == Cluster())
    }
}
