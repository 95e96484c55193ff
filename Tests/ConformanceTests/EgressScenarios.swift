import Testing
import TestSupport

extension NetworkPolicyConformance {
    /// Egress isolation and egress rules; replies to allowed requests need no
    /// rule in either direction, and a connection needs the source's egress and
    /// the destination's ingress both.
    @Suite(.conformanceCluster)
    struct Egress {
        @Test func defaultDenyEgressIsolatesEveryPodOfItsNamespace() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("deny-egress", in: "x", """
                    podSelector: {}
                    policyTypes: [Egress]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingEgress(of: "x/*"))
        }

        @Test func defaultDenyBothDirectionsIsolatesTheNamespaceBothWays() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("deny-all", in: "x", """
                    podSelector: {}
                    policyTypes: [Ingress, Egress]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/*").isolatingEgress(of: "x/*"))
        }

        @Test func allowAllEgressOutweighsDefaultDenyInTheUnion() throws {
            try ConformanceCluster.inUse().check(
                policies: [
                    Policy("deny-egress", in: "x", """
                        podSelector: {}
                        policyTypes: [Egress]
                        """),
                    Policy("a-to-all", in: "x", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress: [{}]
                        """),
                ],
                expect: Expectation().isolatingEgress(of: "x/*").allowingEgress(from: "x/a", to: .all))
        }

        @Test func egressToPodSelectorReachesMatchingPodsOfThePolicyNamespaceOnly() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-to-b", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}]
                    """)],
                expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "x/b"))
        }

        @Test func egressToNamespaceSelectorReachesEveryPodThere() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-to-y", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "y/*"))
        }

        @Test func egressPeerWithBothSelectorsNeedsBothToMatch() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-to-y-c", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: c}}}]}]
                    """)],
                expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "y/c"))
        }

        @Test func egressNamespaceExpressionNotInReachesTheOtherNamespaces() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-out-of-x", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{to: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}}]}]
                    """)],
                expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: ["y/*", "z/*"]))
        }

        @Test func egressOnOneUDPPortToEveryone() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-udp-80", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{ports: [{protocol: UDP, port: 80}]}]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: .all, on: [.udp80]))
        }

        @Test func egressPortRangeToANamespace() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-tcp-range-to-z", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{protocol: TCP, port: 80, endPort: 81}]}]
                    """)],
                expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "z/*", on: ProbePort.tcp))
        }

        @Test func egressNamedPortResolvesAgainstEachDestinationPod() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-to-web", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{ports: [{port: web}]}]
                    """)],
                families: .dualStack,
                adjust: { spec in
                    spec.name(.tcp80, of: "y/a", "web")
                    spec.name(.tcp81, of: "z/b", "web")
                    spec.name(.tcp81, of: "x/b", "web")
                },
                expect: Expectation().isolatingEgress(of: "x/a")
                    .allowingEgress(from: "x/a", to: "y/a", on: [.tcp80])
                    .allowingEgress(from: "x/a", to: ["z/b", "x/b"], on: [.tcp81]))
        }

        @Test func connectionNeedsTheSourceEgressAndTheDestinationIngress() throws {
            try ConformanceCluster.inUse().check(
                policies: [
                    Policy("a-to-y", in: "x", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
                        """),
                    Policy("b-from-z", in: "y", """
                        podSelector: {matchLabels: {pod: b}}
                        ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}]}]
                        """),
                ],
                families: .dualStack,
                expect: Expectation()
                    .isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "y/*")
                    .isolatingIngress(of: "y/b").allowingIngress(to: "y/b", from: "z/*"))
        }

        @Test func egressWithinTheOwnNamespaceOnly() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("stay-home", in: "y", """
                    podSelector: {}
                    policyTypes: [Egress]
                    egress: [{to: [{podSelector: {}}]}]
                    """)],
                expect: Expectation().isolatingEgress(of: "y/*").allowingEgress(from: "y/*", to: "y/*"))
        }

        @Test func egressPoliciesSelectingOnePodAreUnioned() throws {
            try ConformanceCluster.inUse().check(
                policies: [
                    Policy("a-to-b", in: "x", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}]
                        """),
                    Policy("a-udp-to-z", in: "x", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress: [{to: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{protocol: UDP}]}]
                        """),
                ],
                expect: Expectation().isolatingEgress(of: "x/a")
                    .allowingEgress(from: "x/a", to: "x/b")
                    .allowingEgress(from: "x/a", to: "z/*", on: ProbePort.udp))
        }
    }
}
