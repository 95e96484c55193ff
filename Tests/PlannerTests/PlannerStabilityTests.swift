import Model
import Planner
import Testing

@Suite struct PlannerStabilityTests {
    private let base = pod("frontend", labels: ["app": "frontend"], ip: "10.0.0.10")
        + pod("backend", labels: ["app": "backend"], ip: "10.0.0.20")
        + """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: p}
        spec:
          podSelector: {matchLabels: {app: backend}}
          ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]
        ---

        """

    @Test func planningTwiceGivesTheSameStateBitForBit() throws {
        var first = Allocations()
        var second = Allocations()
        let a = Planner.plan(try cluster(base), node: NodeSettings(name: "node-a"), allocations: &first)
        let b = Planner.plan(try cluster(base), node: NodeSettings(name: "node-a"), allocations: &second)
        #expect(a == b)
    }

    @Test func addingAnUnrelatedPodOnlyAddsItsOwnEntries() throws {
        var allocations = Allocations()
        let before = Planner.plan(try cluster(base), node: NodeSettings(name: "node-a"), allocations: &allocations)
        let after = Planner.plan(try cluster(base + pod("new", labels: ["app": "frontend"], ip: "10.0.0.99")),
                                 node: NodeSettings(name: "node-a"), allocations: &allocations)
        // Same class as the frontend: the ipcache gains one entry, the policy map none.
        #expect(after.policy == before.policy)
        #expect(after.ipcache.count == before.ipcache.count + 1)
        for (key, value) in before.ipcache { #expect(after.ipcache[key] == value) }
        #expect(after.endpoint("default", "backend")?.endpointID == before.endpoint("default", "backend")?.endpointID)
    }
}
