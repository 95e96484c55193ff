import Testing
import TestSupport

extension NetworkPolicyConformance {
    /// `ipBlock` peers with `except`, applied to pod addresses as to any other
    /// (Sluice's documented choice), per address family.
    @Suite(.conformanceCluster)
    struct IPBlocks {
        /// The /24 and /64 every pod address of the topology is in.
        private func podNetworks(_ cluster: ConformanceCluster) throws -> (v4: AddressBlock, v6: AddressBlock) {
            let v4 = try #require(AddressBlock(around: cluster.address(of: "x/a", .ipv4), length: 24))
            let v6 = try #require(AddressBlock(around: cluster.address(of: "x/a", .ipv6), length: 64))
            #expect(cluster.pods(inside: v4) == ClusterSpec.base.podIDs, "every pod's IPv4 address is in \(v4)")
            return (v4, v6)
        }

        private static func toA(from peers: String) -> [Policy] {
            [Policy("a-from-block", in: "x", """
                podSelector: {matchLabels: {pod: a}}
                ingress: [{from: \(peers)}]
                """)]
        }

        @Test func blockCoveringEveryPodAdmitsThemOverItsFamilyOnly() throws {
            let cluster = try ConformanceCluster.inUse()
            let networks = try podNetworks(cluster)
            try cluster.check(
                policies: Self.toA(from: "[{ipBlock: {cidr: \"\(networks.v4)\"}}]"), families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: Pods(cluster.pods(inside: networks.v4)), over: [.ipv4]))
        }

        @Test func exceptCarvesOneMemberPodOut() throws {
            let cluster = try ConformanceCluster.inUse()
            let networks = try podNetworks(cluster)
            let carved = try cluster.hostBlock(of: "y/b", .ipv4)
            try cluster.check(
                policies: Self.toA(from: "[{ipBlock: {cidr: \"\(networks.v4)\", except: [\"\(carved)\"]}}]"),
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: Pods(cluster.pods(inside: networks.v4)).except("y/b"), over: [.ipv4]))
        }

        @Test func exceptCarvesASubnetOfPodsOut() throws {
            let cluster = try ConformanceCluster.inUse()
            let networks = try podNetworks(cluster)
            let carved = try #require(AddressBlock(around: cluster.address(of: "y/a", .ipv4), length: 30))
            let inside = cluster.pods(inside: carved)
            #expect(inside.count >= 2, "\(carved) holds several pods: \(inside)")
            try cluster.check(
                policies: Self.toA(from: "[{ipBlock: {cidr: \"\(networks.v4)\", except: [\"\(carved)\"]}}]"),
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: Pods(cluster.pods(inside: networks.v4)).except(inside), over: [.ipv4]))
        }

        @Test func ipv6BlockWithExceptAppliesToIPv6Only() throws {
            let cluster = try ConformanceCluster.inUse()
            let networks = try podNetworks(cluster)
            let carved = try cluster.hostBlock(of: "z/c", .ipv6)
            try cluster.check(
                policies: Self.toA(from: "[{ipBlock: {cidr: \"\(networks.v6)\", except: [\"\(carved)\"]}}]"),
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: Pods(cluster.pods(inside: networks.v6)).except("z/c"), over: [.ipv6]))
        }

        @Test func singleAddressBlockAdmitsThatPod() throws {
            let cluster = try ConformanceCluster.inUse()
            let block = try cluster.hostBlock(of: "y/a", .ipv4)
            try cluster.check(
                policies: Self.toA(from: "[{ipBlock: {cidr: \"\(block)\"}}]"),
                expect: Expectation().isolatingIngress(of: "x/a").allowingIngress(to: "x/a", from: "y/a", over: [.ipv4]))
        }

        @Test func blockAndPodSelectorPeersAreUnioned() throws {
            let cluster = try ConformanceCluster.inUse()
            let block = try cluster.hostBlock(of: "y/a", .ipv4)
            try cluster.check(
                policies: Self.toA(from: "[{ipBlock: {cidr: \"\(block)\"}}, {podSelector: {matchLabels: {pod: c}}}]"),
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: "y/a", over: [.ipv4])
                    .allowingIngress(to: "x/a", from: "x/c"))
        }

        @Test func blocksOfBothFamiliesCarveTheirOwnExceptions() throws {
            let cluster = try ConformanceCluster.inUse()
            let networks = try podNetworks(cluster)
            let (v4Carved, v6Carved) = (try cluster.hostBlock(of: "x/b", .ipv4), try cluster.hostBlock(of: "x/c", .ipv6))
            try cluster.check(
                policies: Self.toA(from: """
                    [{ipBlock: {cidr: "\(networks.v4)", except: ["\(v4Carved)"]}}, \
                    {ipBlock: {cidr: "\(networks.v6)", except: ["\(v6Carved)"]}}]
                    """),
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: Pods(cluster.pods(inside: networks.v4)).except("x/b"), over: [.ipv4])
                    .allowingIngress(to: "x/a", from: Pods(cluster.pods(inside: networks.v6)).except("x/c"), over: [.ipv6]))
        }

        @Test func exceptDoesNotOverrideAnotherPeerThatAdmits() throws {
            let cluster = try ConformanceCluster.inUse()
            let networks = try podNetworks(cluster)
            let carved = try cluster.hostBlock(of: "y/b", .ipv4)
            try cluster.check(
                policies: Self.toA(from: """
                    [{ipBlock: {cidr: "\(networks.v4)", except: ["\(carved)"]}}, {namespaceSelector: {matchLabels: {ns: y}}}]
                    """),
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a")
                    .allowingIngress(to: "x/a", from: Pods(cluster.pods(inside: networks.v4)).except("y/b"), over: [.ipv4])
                    .allowingIngress(to: "x/a", from: "y/*"))
        }

        @Test func worldBlockExceptingThePodNetworkAdmitsNoPod() throws {
            let cluster = try ConformanceCluster.inUse()
            let networks = try podNetworks(cluster)
            try cluster.check(
                policies: Self.toA(from: """
                    [{ipBlock: {cidr: "0.0.0.0/0", except: ["\(networks.v4)"]}}, {ipBlock: {cidr: "::/0", except: ["\(networks.v6)"]}}]
                    """),
                families: .dualStack,
                expect: Expectation().isolatingIngress(of: "x/a"))
        }

        @Test func egressBlockWithExceptLimitsWhereAPodMayConnect() throws {
            let cluster = try ConformanceCluster.inUse()
            let networks = try podNetworks(cluster)
            let carved = try cluster.hostBlock(of: "z/a", .ipv4)
            try cluster.check(
                policies: [Policy("a-to-block", in: "x", """
                    podSelector: {matchLabels: {pod: a}}
                    policyTypes: [Egress]
                    egress: [{to: [{ipBlock: {cidr: "\(networks.v4)", except: ["\(carved)"]}}]}]
                    """)],
                families: .dualStack,
                expect: Expectation().isolatingEgress(of: "x/a")
                    .allowingEgress(from: "x/a", to: Pods(cluster.pods(inside: networks.v4)).except("z/a"), over: [.ipv4]))
        }
    }
}
