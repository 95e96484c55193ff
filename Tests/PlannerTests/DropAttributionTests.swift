import Model
import Planner
import Testing

private let pods = pod("frontend", labels: ["app": "frontend"], ip: "10.0.0.10")
    + pod("backend", labels: ["app": "backend"], ip: "10.0.0.20")

private func policy(_ name: String, namespace: String = "default", selecting app: String,
                    types: String) -> String {
    policy("  podSelector: {matchLabels: {app: \(app)}}\n  policyTypes: [\(types)]", name: name, namespace: namespace)
}

/// Which policy a local pod's drops are counted against, per direction.
@Suite struct DropAttributionTests {
    private func id(_ state: DesiredState, _ name: String, namespace: String = "default") throws -> UInt32 {
        try #require(state.policyNames.first { $0.value == ObjectRef(namespace: namespace, name: name) }?.key)
    }

    @Test func theFirstPolicyByNameThatIsolatesADirectionIsCharged() throws {
        let state = try plan(pods
            + policy("b-both", selecting: "backend", types: "Ingress, Egress")
            + policy("a-ingress", selecting: "backend", types: "Ingress")
            + policy("0-frontend", selecting: "frontend", types: "Ingress")
            + policy("0-other-namespace", namespace: "aaa", selecting: "backend", types: "Ingress, Egress"))
        let backend = try #require(state.endpoint("default", "backend"))
        #expect(backend.ingressPolicyID == (try id(state, "a-ingress")))
        #expect(backend.egressPolicyID == (try id(state, "b-both")))
    }

    @Test func aDirectionNoPolicyIsolatesIsChargedToNobody() throws {
        let state = try plan(pods + policy("only-ingress", selecting: "frontend", types: "Ingress"))
        let frontend = try #require(state.endpoint("default", "frontend"))
        #expect(frontend.ingressPolicyID == (try id(state, "only-ingress")))
        #expect(frontend.egressPolicyID == 0)
        let backend = try #require(state.endpoint("default", "backend"))
        #expect(backend.ingressPolicyID == 0 && backend.egressPolicyID == 0)
    }

    /// Ids follow allocation order, which survives re-plans; the charge follows names.
    @Test func aPolicyAddedLaterButFirstByNameTakesTheCharge() throws {
        var allocations = Allocations()
        let node = NodeSettings(name: "node-a")
        let before = Planner.plan(try cluster(pods + policy("m-policy", selecting: "backend", types: "Egress")),
                                  node: node, allocations: &allocations)
        let after = Planner.plan(try cluster(pods + policy("m-policy", selecting: "backend", types: "Egress")
                                             + policy("a-policy", selecting: "backend", types: "Egress")),
                                 node: node, allocations: &allocations)
        #expect(try id(after, "a-policy") > (try id(before, "m-policy")), "the new policy got the higher id")
        #expect(try #require(before.endpoint("default", "backend")).egressPolicyID == (try id(before, "m-policy")))
        #expect(try #require(after.endpoint("default", "backend")).egressPolicyID == (try id(after, "a-policy")))
    }
}
