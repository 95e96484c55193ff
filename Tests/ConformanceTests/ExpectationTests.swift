import Testing
import TestSupport

/// The conformance suite's model checked on its own, so a wrong expectation is
/// never mistaken for a product bug (and needs no root).
struct ExpectationTests {
    private func cell(_ from: PodID, _ to: PodID, _ port: ProbePort = .tcp80, _ family: AddressFamily = .ipv4) -> MatrixCell {
        MatrixCell(from: from, to: to, port: port, family: family)
    }

    @Test func nothingIsolatedAllowsEveryCell() {
        let cells = MatrixCell.all(among: ClusterSpec.base.podIDs, families: .dualStack)
        #expect(cells.count == 9 * 9 * 4 * 2)
        #expect(cells.allSatisfy { Expectation().allows($0) })
    }

    @Test func selfCellsStayReachableWhateverIsIsolated() {
        let expectation = Expectation().isolatingIngress(of: .all).isolatingEgress(of: .all)
        #expect(expectation.allows(cell("x/a", "x/a", .udp81, .ipv6)))
        #expect(!expectation.allows(cell("x/a", "x/b")))
    }

    @Test func isolatedPodAdmitsOnlyWhatSomeAllowanceCovers() {
        let expectation = Expectation().isolatingIngress(of: "x/a")
            .allowingIngress(to: "x/a", from: "y/*", on: [.tcp80])
            .allowingIngress(to: "x/a", from: "z/c", on: ProbePort.udp, over: [.ipv6])
        #expect(expectation.allows(cell("y/b", "x/a")))
        #expect(!expectation.allows(cell("y/b", "x/a", .tcp81)))
        #expect(!expectation.allows(cell("z/b", "x/a")))
        #expect(expectation.allows(cell("z/c", "x/a", .udp80, .ipv6)))
        #expect(!expectation.allows(cell("z/c", "x/a", .udp80, .ipv4)))
        #expect(expectation.allows(cell("z/b", "x/b")), "x/b is not isolated")
    }

    @Test func connectionNeedsTheSourceEgressAndTheDestinationIngress() {
        let expectation = Expectation()
            .isolatingEgress(of: "x/a").allowingEgress(from: "x/a", to: "y/*")
            .isolatingIngress(of: "y/b").allowingIngress(to: "y/b", from: "z/*")
        #expect(expectation.allows(cell("x/a", "y/a")))
        #expect(!expectation.allows(cell("x/a", "y/b")), "y/b's ingress does not admit x/a")
        #expect(!expectation.allows(cell("x/a", "z/a")), "x/a's egress does not reach z")
        #expect(expectation.allows(cell("z/a", "y/b")))
        #expect(expectation.allows(cell("z/a", "x/a")), "x/a's ingress is open: the reply is part of the flow")
    }

    @Test func podPatternsMatchNamespacesNamesAndExceptions() {
        #expect(Pods.all.contains("z/c"))
        #expect(Pods("x/*").contains("x/d") && !Pods("x/*").contains("y/a"))
        #expect(Pods("*/b").contains("y/b") && !Pods("*/b").contains("y/c"))
        #expect(!Pods.all.except("y/b").contains("y/b") && Pods.all.except("y/b").contains("y/a"))
        #expect(!Pods("x/a/b").contains("x/a"), "a malformed pattern matches nothing")
        #expect(!Pods.none.contains("x/a"))
        let union = Pods.union(Pods("x/*").except("x/a"), "x/a")
        #expect(union.contains("x/a") && union.contains("x/b"), "each term keeps its own exceptions")
    }

    @Test func addressBlockContainsExactlyItsPrefix() throws {
        let block = try #require(AddressBlock("10.200.0.12/30"))
        #expect(["10.200.0.12", "10.200.0.15"].allSatisfy(block.contains))
        #expect(!block.contains("10.200.0.11") && !block.contains("10.200.0.16"))
        #expect(!block.contains("fd00:200::c"), "another family is never inside")
        let around = try #require(AddressBlock(around: "fd00:200::1a", length: 64))
        #expect(around.description == "fd00:200::/64")
        #expect(around.contains("fd00:200::ffff") && !around.contains("fd00:201::1"))
        #expect(AddressBlock("10.0.0.0/33") == nil && AddressBlock("pod-a/32") == nil)
        #expect(try #require(AddressBlock(around: "10.200.0.14", length: 30)).description == "10.200.0.12/30")
    }

    @Test func policyManifestPutsTheSpecUnderItsHeader() {
        let policy = Policy("deny", in: "x", "podSelector: {}\npolicyTypes: [Egress]")
        #expect(policy.fileName == "policy-x-deny.yaml")
        #expect(policy.manifest.contains("metadata: {name: deny, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n"))
    }
}
