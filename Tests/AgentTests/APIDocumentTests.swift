@testable import Agent
import CSluiceBPF
import Foundation
import Testing

/// The `/v1` documents built from a snapshot, and their JSON.
struct APIDocumentTests {
    private static let manifests = pod("frontend", labels: ["app": "frontend"], ip: "10.0.0.10")
        + pod("backend", labels: ["app": "backend"], ip: "10.0.0.20")
        + pod("remote", labels: ["app": "frontend"], ip: "10.0.1.10", node: "node-b")
        + """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow, namespace: default}
        spec:
          podSelector: {matchLabels: {app: backend}}
          ingress:
            - from: [{podSelector: {matchLabels: {app: frontend}}}]
              ports: [{protocol: TCP, port: 80}]
        """

    @Test func statusListsFilesInOrderCountsAndMapUsage() throws {
        let node = try PlannedNode(Self.manifests)
        var snapshot = node.snapshot
        snapshot.files = [
            "b.yaml": .init(state: .error, message: "/p/b.yaml:3: spec: bad", generation: 1),
            "a.yaml": .init(state: .applied, message: nil, generation: 2),
        ]
        snapshot.lastSync = Date(timeIntervalSince1970: 1_700_000_000)
        snapshot.mapCapacities = [SLUICE_MAP_SERVICES: 100]
        let status = StatusDocument(snapshot: snapshot, capacities: [SLUICE_MAP_POLICY: 65536])
        #expect(status.files.map(\.name) == ["a.yaml", "b.yaml"])
        #expect(status.files[1].message == "/p/b.yaml:3: spec: bad")
        #expect(status.counts.pods == 3)
        #expect(status.counts.endpoints == 2)
        #expect(status.counts.policies == 1)
        let policy = try #require(status.maps.first { $0.name == SLUICE_MAP_POLICY })
        #expect(policy.entries == node.plan.policy.count)
        #expect(policy.maxEntries == 65536)
        #expect(status.maps.first { $0.name == SLUICE_MAP_SERVICES }?.maxEntries == 100)
        #expect(status.maps.first { $0.name == SLUICE_MAP_CT }?.entries == nil)
        #expect(status.interfaces.map(\.pod) == ["default/backend", "default/frontend"])

        let json = String(decoding: try APIJSON.encode(status), as: UTF8.self)
        #expect(json.contains("\"lastSync\" : \"2023-11-14T22:13:20Z\""))
        #expect(json.contains("\"pod\" : \"default/backend\""), "slashes are not escaped")
        #expect(try APIJSON.decode(StatusDocument.self, from: Array(json.utf8)) == status)
    }

    @Test func endpointsShowWhatIsEnforcedAndTheirEntries() throws {
        let node = try PlannedNode(Self.manifests)
        let endpoints = EndpointsDocument(snapshot: node.snapshot).endpoints
        #expect(endpoints.map(\.pod) == ["default/backend", "default/frontend"])
        #expect(endpoints[0].enforced == ["ingress"])
        #expect(endpoints[0].ingressEntries > 0)
        #expect(endpoints[0].egressEntries == 0)
        #expect(endpoints[1].enforced.isEmpty)
        #expect(endpoints[0].interface != nil)
    }

    @Test func policiesShowSelectedLocalPodsAndCreditedEntries() throws {
        let node = try PlannedNode(Self.manifests)
        let policies = PoliciesDocument(snapshot: node.snapshot).policies
        let policy = try #require(policies.first)
        #expect(policies.count == 1)
        #expect(policy.name == "allow")
        #expect(policy.isolates == ["ingress"])
        #expect(policy.selectedPods == ["default/backend"])
        #expect(policy.ingressRules == 1)
        // Two frontends, one identity: one entry on the backend's ingress.
        #expect(policy.entries == node.plan.policy.values.filter { $0.policy_id == policy.id }.count)
        #expect(policy.entries == 1)
    }

    @Test func identitiesNameTheirPrefixesPodsAndPeers() throws {
        let node = try PlannedNode(Self.manifests)
        let identities = IdentitiesDocument(snapshot: node.snapshot).identities
        let world = try #require(identities.first { $0.id == UInt32(SLUICE_IDENTITY_WORLD.rawValue) })
        #expect(world.kind == "world")
        #expect(world.prefixes.contains("0.0.0.0/0"))
        let frontends = try #require(identities.first { $0.pods.contains("default/frontend") })
        #expect(frontends.pods == ["default/frontend", "default/remote"])
        #expect(frontends.peers == ["default/allow ingress[0].from[0]"])
        #expect(frontends.kind == "peers")
    }

    @Test func documentsAreEmptyBeforeTheFirstSync() {
        let snapshot = AgentStatus.Snapshot()
        #expect(EndpointsDocument(snapshot: snapshot).endpoints.isEmpty)
        #expect(PoliciesDocument(snapshot: snapshot).policies.isEmpty)
        #expect(IdentitiesDocument(snapshot: snapshot).identities.isEmpty)
        #expect(StatusDocument(snapshot: snapshot, capacities: [:]).ready == false)
    }
}
