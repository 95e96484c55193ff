import Testing
import TestSupport

extension NetworkPolicyConformance {
    /// `policyTypes` as written, and as the API server infers it when it is
    /// not: Ingress always, Egress when the policy has egress rules.
    @Suite(.conformanceCluster)
    struct PolicyTypes {
        @Test func egressRulesWithoutPolicyTypesIsolateBothDirections() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-to-y", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a")
                    .isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "y/*"))
        }

        @Test func explicitEgressTypeLeavesIngressOpen() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-to-y", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
                    """)],
                expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "y/*"))
        }

        @Test func explicitIngressTypeIgnoresEgressRules() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-ingress-only", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Ingress]
                    ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
                    egress: [{to: [{podSelector: {matchLabels: {pod: c}}}]}]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "x/b"))
        }

        @Test func explicitEgressTypeIgnoresIngressRules() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-egress-only", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
                    """)],
                expect: Expectation().isolatingEgress(of: "x/a"))
        }

        @Test func bothTypesWithOnlyIngressRulesDenyAllEgress() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-both", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Ingress, Egress]
                    ingress: [{}]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: .all)
                    .isolatingEgress(of: "x/a"))
        }

        @Test func emptyEgressListDoesNotInferEgress() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-empty-egress", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    egress: []
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a"))
        }
    }
}
