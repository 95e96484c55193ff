import Testing
import TestSupport

extension NetworkPolicyConformance {
    /// Changes while traffic flows: every step applies a change on top of the
    /// last and the matrix must follow within the convergence timeout.
    @Suite(.conformanceCluster)
    struct Updates {
        private static func toA(from peers: String, name: String = "a-ingress") -> Policy {
            Policy(name, in: "x", """
                podSelector: {matchLabels: {pod: a}}
                ingress: [{from: \(peers)}]
                """)
        }

        @Test func changedPolicyReplacesWhatItAdmits() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            spec.policies = [Self.toA(from: "[{namespaceSelector: {matchLabels: {ns: y}}}]")]
            try cluster.step(to: spec, families: .dualStack,
                             expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "y/*"))
            spec.policies = [Self.toA(from: "[{namespaceSelector: {matchLabels: {ns: z}}}]")]
            try cluster.step(to: spec, families: .dualStack,
                             expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "z/*"))
            spec.policies = [Policy("a-ingress", in: "x", """
                podSelector: {matchLabels: {pod: a}}
                ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}], ports: [{protocol: TCP, port: 80}]}]
                """)]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a")
                .allowingIngress(to: "x/a", from: "x/b", on: [.tcp80]))
        }

        @Test func relabeledPodsMoveInAndOutOfPeersAndTargets() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            spec.policies = [Self.toA(from: "[{namespaceSelector: {}, podSelector: {matchLabels: {role: client}}}]")]
            spec.label("y/b", "role", "client")
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "y/b"))

            spec.label("y/b", "role", "server")
            spec.label("z/c", "role", "client")
            try cluster.step(to: spec, families: .dualStack,
                             expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "z/c"))

            // The target itself leaves the policy's podSelector: it is no longer isolated.
            spec.label("x/a", "pod", "a2")
            try cluster.step(to: spec, expect: Expectation())

            spec.label("x/b", "pod", "a")
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/b").allowingIngress(to: "x/b", from: "z/c"))
        }

        @Test func relabeledNamespacesMoveTheirPodsInAndOut() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            spec.policies = [Self.toA(from: "[{namespaceSelector: {matchLabels: {env: prod}}}]")]
            spec.label(namespace: "y", "env", "prod")
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "y/*"))

            spec.label(namespace: "y", "env", nil)
            spec.label(namespace: "z", "env", "prod")
            try cluster.step(to: spec, families: .dualStack,
                             expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "z/*"))

            spec.label(namespace: "x", "env", "prod")
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: ["x/*", "z/*"]))
        }

        @Test func namespaceManifestArrivingAfterItsPodsAddsItsLabels() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            spec.policies = [Self.toA(from: "[{namespaceSelector: {matchLabels: {ns: z}}}]")]
            spec.namespaces["z"] = nil
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a"))

            spec.namespaces["z"] = ClusterSpec.base.namespaces["z"]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "z/*"))
        }

        @Test func addedPodsAreEnforcedAndRemovedPodsLeaveTheOthersAlone() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            spec.policies = [
                Policy("deny-ingress", in: "x", "podSelector: {}"),
                Self.toA(from: "[{namespaceSelector: {}, podSelector: {matchLabels: {pod: d}}}]"),
            ]
            let expectation = Expectation().isolatingIngress(of: "x/*").allowingIngress(to: "x/a", from: "*/d")
            try cluster.step(to: spec, expect: expectation)

            spec.addPod("x/d")
            try cluster.step(to: spec, families: .dualStack, expect: expectation)
            spec.addPod("y/d")
            try cluster.step(to: spec, expect: expectation)

            spec.pods["x/d"] = nil
            try cluster.step(to: spec, expect: expectation, changesMatrix: false)
            spec.pods["y/d"] = nil
            spec.addPod("z/d")
            try cluster.step(to: spec, expect: expectation)

            // Back under its old name with a new address: enforced again from the start.
            spec.addPod("x/d")
            try cluster.step(to: spec, families: .dualStack, expect: expectation)
        }

        @Test func deletedPoliciesStopIsolating() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            let denyIngress = Policy("deny-ingress", in: "x", "podSelector: {}")
            let denyEgress = Policy("deny-egress", in: "y", """
                podSelector: {}
                policyTypes: [Egress]
                """)
            spec.policies = [denyIngress, denyEgress]
            try cluster.step(to: spec, families: .dualStack,
                             expect: Expectation().isolatingIngress(of: "x/*").isolatingEgress(of: "y/*"))
            spec.policies = [denyEgress]
            try cluster.step(to: spec, expect: Expectation().isolatingEgress(of: "y/*"))
            spec.policies = []
            try cluster.step(to: spec, families: .dualStack, expect: Expectation())
        }

        @Test func changedEgressRulesFollowWhileTrafficFlows() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            let egress = { (rules: String) in
                Policy("a-egress", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: \(rules)
                    """)
            }
            spec.policies = [egress("[{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]")]
            try cluster.step(to: spec, expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "y/*"))
            spec.policies = [egress("[{to: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{protocol: UDP}]}]")]
            try cluster.step(to: spec, families: .dualStack,
                             expect: Expectation().isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "z/*", on: ProbePort.udp))
            spec.policies = [egress("[]")]
            try cluster.step(to: spec, expect: Expectation().isolatingEgress(of: "x/a"))
        }

        @Test func changedBlockExceptionsFollowWhileTrafficFlows() throws {
            let cluster = try ConformanceCluster.inUse()
            let network = try #require(AddressBlock(around: cluster.address(of: "x/a", .ipv4), length: 24))
            let inside = Pods(cluster.pods(inside: network))
            var spec = try cluster.reset()
            let fromBlock = { (except: [PodID]) throws -> Policy in
                let blocks = try except.map { "\"\(try cluster.hostBlock(of: $0, .ipv4))\"" }.joined(separator: ", ")
                return Self.toA(from: "[{ipBlock: {cidr: \"\(network)\", except: [\(blocks)]}}]")
            }
            spec.policies = [try fromBlock(["y/b"])]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a")
                .allowingIngress(to: "x/a", from: inside.except("y/b"), over: [.ipv4]))
            spec.policies = [try fromBlock(["z/c", "x/b"])]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a")
                .allowingIngress(to: "x/a", from: inside.except("z/c", "x/b"), over: [.ipv4]))
            spec.policies = [try fromBlock([])]
            try cluster.step(to: spec, families: .dualStack, expect: Expectation().isolatingIngress(of: "x/a")
                .allowingIngress(to: "x/a", from: inside, over: [.ipv4]))
        }

        @Test func changedPortsFollowWhileTrafficFlows() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            let onPorts = { (ports: String) in
                Policy("a-ports", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    ingress: [{ports: \(ports)}]
                    """)
            }
            spec.policies = [onPorts("[{protocol: TCP, port: 80}]")]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: .all, on: [.tcp80]))
            spec.policies = [onPorts("[{protocol: UDP, port: 80, endPort: 81}]")]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: .all, on: ProbePort.udp))
            spec.policies = [onPorts("[{port: serve-81-tcp}]")]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: .all, on: [.tcp81]))
        }

        @Test func renamedContainerPortMovesANamedPortRule() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            spec.policies = [Policy("a-web", in: "x", """
                podSelector: {matchLabels: {pod: a}}
                ingress: [{ports: [{port: web}]}]
                """)]
            spec.name(.tcp80, of: "x/a", "web")
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: .all, on: [.tcp80]))
            spec.name(.tcp80, of: "x/a", "serve-80-tcp")
            spec.name(.tcp81, of: "x/a", "web")
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: .all, on: [.tcp81]))
        }

        @Test func changedPolicyTypesMoveIsolationBetweenDirections() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            let isolating = { (types: String) in
                Policy("a-isolated", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: \(types)
                    """)
            }
            spec.policies = [isolating("[Ingress]")]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a"))
            spec.policies = [isolating("[Egress]")]
            try cluster.step(to: spec, families: .dualStack, expect: Expectation().isolatingEgress(of: "x/a"))
            spec.policies = [isolating("[Ingress, Egress]")]
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/a").isolatingEgress(of: "x/a"))
        }

        @Test func podJoiningATargetSelectorIsIsolatedAndLeavingFreesIt() throws {
            let cluster = try ConformanceCluster.inUse()
            var spec = try cluster.reset()
            spec.policies = [Policy("locked", in: "x", """
                podSelector: {matchLabels: {tier: locked}}
                ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}]}]
                """)]
            spec.label("x/b", "tier", "locked")
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/b").allowingIngress(to: "x/b", from: "x/a"))
            spec.label("x/c", "tier", "locked")
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: ["x/b", "x/c"])
                .allowingIngress(to: ["x/b", "x/c"], from: "x/a"))
            spec.label("x/b", "tier", nil)
            try cluster.step(to: spec, expect: Expectation().isolatingIngress(of: "x/c").allowingIngress(to: "x/c", from: "x/a"))
        }
    }
}
