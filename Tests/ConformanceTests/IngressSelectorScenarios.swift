import Testing
import TestSupport

extension NetworkPolicyConformance {
    /// Who a policy isolates and which peers its ingress rules admit: podSelector,
    /// namespaceSelector, both in one peer (AND) or as two peers (OR), label
    /// expressions, and the union of several rules and policies.
    @Suite(.conformanceCluster)
    struct IngressSelectors {
        @Test func withoutPoliciesEveryPodReachesEveryPod() throws {
            let cluster = try ConformanceCluster.inUse()
            try cluster.reset()
            try cluster.expect(Expectation(), families: .dualStack)
        }

        @Test func defaultDenyIngressIsolatesEveryPodOfItsNamespace() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("deny-ingress", in: "x", "podSelector: {}")],
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/*"))
        }

        @Test func defaultDenyIngressEverywhereLeavesOnlyLoopback() throws {
            try ConformanceCluster.inUse().check(
                policies: ClusterSpec.namespaceNames.map { Policy("deny-ingress", in: $0, "podSelector: {}") },
                expect: Expectation().isolatingIngress(of: .all))
        }

        @Test func allowAllIngressAdmitsEveryone() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("allow-all", in: "x", """
                    podSelector: {}
                    ingress: [{}]
                    """)],
                expect: Expectation().isolatingIngress(of: "x/*").allowingIngress(to: "x/*", from: .all))
        }

        @Test func allowAllIngressOutweighsDefaultDenyInTheUnion() throws {
            try ConformanceCluster.inUse().check(
                policies: [
                    Policy("deny-ingress", in: "x", "podSelector: {}"),
                    Policy("allow-all-to-a", in: "x", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress: [{}]
                        """),
                ],
                expect: Expectation().isolatingIngress(of: "x/*").allowingIngress(to: "x/a", from: .all))
        }

        @Test func podSelectorPeerAdmitsMatchingPodsOfThePolicyNamespaceOnly() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-b", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "x/b"))
        }

        @Test func emptyPodSelectorPeerAdmitsThePolicyNamespaceOnly() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-own-namespace", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{podSelector: {}}]}]
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "x/*"))
        }

        @Test func namespaceSelectorPeerAdmitsEveryPodOfMatchingNamespaces() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-y", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "y/*"))
        }

        @Test func emptyNamespaceSelectorAdmitsPodsOfEveryNamespace() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-all-namespaces", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{namespaceSelector: {}}]}]
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: .all))
        }

        @Test func podAndNamespaceSelectorInOnePeerMustBothMatch() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-y-b", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}]}]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "y/b"))
        }

        @Test func podAndNamespaceSelectorAsTwoPeersEitherMatches() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-y-or-b", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}, {podSelector: {matchLabels: {pod: b}}}]}]
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: ["y/*", "x/b"]))
        }

        @Test func matchExpressionInSelectsTheListedValues() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-b-c", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress:
                      - from:
                          - namespaceSelector: {}
                            podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: ["*/b", "*/c"]))
        }

        @Test func matchExpressionNotInSelectsEveryOtherValue() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-not-x-y", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x, y]}]}}]}]
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "z/*"))
        }

        @Test func matchExpressionNotInAlsoSelectsPodsWithoutTheKey() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-not-db", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress:
                      - from:
                          - namespaceSelector: {}
                            podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [db]}]}
                    """)],
                adjust: { spec in
                    spec.label("x/b", "tier", "db")
                    spec.label("y/b", "tier", "db")
                    spec.label("z/c", "tier", "web")
                },
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: Pods.all.except("x/b", "y/b")))
        }

        @Test func matchExpressionExistsSelectsPodsCarryingTheKey() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-tiered", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress:
                      - from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: Exists}]}}]
                    """)],
                adjust: Self.labelTiers,
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: ["x/c", "y/b", "z/a"]))
        }

        @Test func matchExpressionDoesNotExistSelectsPodsWithoutTheKey() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-untiered", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress:
                      - from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}}]
                    """)],
                adjust: Self.labelTiers,
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: Pods.all.except("x/c", "y/b", "z/a")))
        }

        @Test func namespaceExpressionExistsSelectsLabelledNamespaces() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-env", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: env, operator: Exists}]}}]}]
                    """)],
                adjust: { spec in
                    spec.label(namespace: "y", "env", "prod")
                    spec.label(namespace: "z", "env", "dev")
                },
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: ["y/*", "z/*"]))
        }

        @Test func namespaceExpressionDoesNotExistSelectsUnlabelledNamespaces() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-no-env", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: env, operator: DoesNotExist}]}}]}]
                    """)],
                adjust: { $0.label(namespace: "y", "env", "prod") },
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: ["x/*", "z/*"]))
        }

        @Test func matchLabelsAndMatchExpressionsOfOneSelectorMustAllHold() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-prod-y-z", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress:
                      - from:
                          - namespaceSelector:
                              matchLabels: {env: prod}
                              matchExpressions: [{key: ns, operator: In, values: [y, z]}]
                    """)],
                adjust: { spec in
                    spec.label(namespace: "x", "env", "prod")
                    spec.label(namespace: "y", "env", "prod")
                },
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "y/*"))
        }

        @Test func namespaceWithoutManifestStillHasItsNameLabel() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-from-z", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress:
                      - from:
                          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}
                            podSelector: {matchLabels: {pod: a}}
                          - namespaceSelector: {matchLabels: {ns: z}}
                    """)],
                families: .dualStack,
                adjust: { $0.namespaces["z"] = nil },
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "z/a"))
        }

        @Test func policySelectsPodsOfItsOwnNamespaceOnly() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("deny-to-a", in: "y", "podSelector: {matchLabels: {pod: a}}")],
                expect: Expectation().isolatingIngress(of: "y/a"))
        }

        @Test func policySelectingNoPodChangesNothing() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("deny-to-nobody", in: "x", "podSelector: {matchLabels: {pod: nobody}}")],
                expect: Expectation())
        }

        @Test func targetSelectorExpressionIsolatesEveryMatchingPod() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-b-from-c", in: "x", """
                    podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}
                    ingress: [{from: [{podSelector: {matchLabels: {pod: c}}}]}]
                    """)],
                expect: Expectation().isolatingIngress(of: ["x/a", "x/b"]).allowingIngress(to: ["x/a", "x/b"], from: "x/c"))
        }

        @Test func policiesSelectingOnePodAreUnioned() throws {
            try ConformanceCluster.inUse().check(
                policies: [
                    Policy("a-from-b-tcp-80", in: "x", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}], ports: [{protocol: TCP, port: 80}]}]
                        """),
                    Policy("a-from-y-udp-81", in: "x", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{protocol: UDP, port: 81}]}]
                        """),
                ],
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: "x/b", on: [.tcp80])
                    .allowingIngress(to: "x/a", from: "y/*", on: [.udp81]))
        }

        @Test func rulesOfOnePolicyAreUnioned() throws {
            try ConformanceCluster.inUse().check(
                policies: [Policy("a-two-rules", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress:
                      - from: [{podSelector: {matchLabels: {pod: b}}}]
                        ports: [{port: 81}]
                      - from: [{namespaceSelector: {matchLabels: {ns: z}}}]
                    """)],
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: "x/b", on: [.tcp81])
                    .allowingIngress(to: "x/a", from: "z/*"))
        }

        /// x/c and y/b are tier=web, z/a is tier=db; no other pod has the key.
        private static func labelTiers(_ spec: inout ClusterSpec) {
            spec.label("x/c", "tier", "web")
            spec.label("y/b", "tier", "web")
            spec.label("z/a", "tier", "db")
        }
    }
}
