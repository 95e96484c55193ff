import CSluiceBPF
import Glibc
import Testing

/// Which policy a packet no rule allowed is counted against, and under
/// which verdict: the endpoint's attributed policy for the direction, an
/// explicit deny entry's own policy, AUDIT where audit mode forwards it.
@Suite(.enabled(if: getuid() == 0, "loading BPF programs needs root"))
struct PolicyVerdictCountTests {
    typealias N = TestNetwork

    static let ingressBlame: UInt32 = 21
    static let egressBlame: UInt32 = 22
    let allowDNSOut = N.rule(SLUICE_DIR_EGRESS, IPProtocol.udp, port: 53, policyID: 9)

    private func setup(flags: UInt32 = N.enforceBoth, rules: [PolicyRule] = []) -> DatapathSetup {
        N.setup(flags: flags, rules: rules, ingressPolicyID: Self.ingressBlame, egressPolicyID: Self.egressBlame)
    }

    /// Every (policy, direction, action) sluice_pst_v1 holds.
    private func countedKeys(_ datapath: LoadedDatapath) throws -> Set<String> {
        Set(try datapath.policyStats.keys().map { "\($0.policy_id)/\($0.direction)/\($0.action)" })
    }

    private func key(_ policyID: UInt32, _ direction: sluice_direction, _ action: sluice_verdict_action) -> String {
        "\(policyID)/\(direction.rawValue)/\(action.rawValue)"
    }

    @Test func packetsNoRuleAllowedAreDeniedVerdictsOfTheAttributedPolicy() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(setup(rules: [allowDNSOut]))
            let outbound = N.outbound(.udp(sport: N.ephemeralPort, dport: 5353))
            let inbound = N.inbound(.udp(sport: N.ephemeralPort, dport: 80))
            for _ in 0..<3 {
                #expect(try datapath.run(.fromPod, outbound).retval == TCAction.shot)
            }
            #expect(try datapath.run(.toPod, inbound).retval == TCAction.shot)

            let egress = try #require(try datapath.policyStats(policyID: Self.egressBlame, SLUICE_DIR_EGRESS,
                                                               SLUICE_VERDICT_DENIED))
            #expect(egress.packets == 3)
            #expect(egress.bytes == UInt64(3 * outbound.bytes.count))
            #expect(egress.flows == 0, "a dropped packet makes no flow")
            let ingress = try #require(try datapath.policyStats(policyID: Self.ingressBlame, SLUICE_DIR_INGRESS,
                                                                SLUICE_VERDICT_DENIED))
            #expect(ingress.packets == 1)
            #expect(try countedKeys(datapath) == [key(Self.egressBlame, SLUICE_DIR_EGRESS, SLUICE_VERDICT_DENIED),
                                                  key(Self.ingressBlame, SLUICE_DIR_INGRESS, SLUICE_VERDICT_DENIED)])
        }
    }

    @Test func allowedFlowsStayAllowedVerdictsOfTheAllowingPolicy() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(setup(rules: [allowDNSOut]))
            let query = N.outbound(.udp(sport: N.ephemeralPort, dport: 53))
            #expect(try datapath.run(.fromPod, query).retval == TCAction.ok)
            #expect(try datapath.run(.fromPod, query).retval == TCAction.ok)
            let allowed = try #require(try datapath.policyStats(policyID: 9, SLUICE_DIR_EGRESS, SLUICE_VERDICT_ALLOWED))
            #expect(allowed.flows == 1)
            #expect(allowed.packets == 2)
            #expect(try countedKeys(datapath) == [key(9, SLUICE_DIR_EGRESS, SLUICE_VERDICT_ALLOWED)])
        }
    }

    @Test func auditedPacketsAreForwardedAndCountedAsAuditVerdicts() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(setup(flags: N.enforceBoth | N.audit, rules: [allowDNSOut]))
            let outbound = N.outbound(.udp(sport: N.ephemeralPort, dport: 5353))
            for _ in 0..<2 {
                let outcome = try datapath.run(.fromPod, outbound)
                #expect(outcome.retval == TCAction.ok)
                #expect(outcome.counted.map(\.reason) == [SLUICE_REASON_AUDIT.rawValue])
            }
            let audit = try #require(try datapath.policyStats(policyID: Self.egressBlame, SLUICE_DIR_EGRESS,
                                                              SLUICE_VERDICT_AUDIT))
            #expect(audit.packets == 2, "an audited packet makes no flow: each one takes a verdict")
            #expect(audit.bytes == UInt64(2 * outbound.bytes.count))
            #expect(try countedKeys(datapath) == [key(Self.egressBlame, SLUICE_DIR_EGRESS, SLUICE_VERDICT_AUDIT)])
        }
    }

    @Test func anExplicitDenyIsCountedAgainstItsOwnPolicy() throws {
        try LoadedDatapath.withLoaded { datapath in
            let deny = N.rule(SLUICE_DIR_EGRESS, IPProtocol.udp, port: 5353, action: SLUICE_ACTION_DENY, policyID: 31)
            try datapath.apply(setup(rules: [allowDNSOut, deny]))
            let outcome = try datapath.run(.fromPod, N.outbound(.udp(sport: N.ephemeralPort, dport: 5353)))
            #expect(outcome.counted.map(\.reason) == [SLUICE_REASON_DROP_POLICY_DENY.rawValue])
            #expect(try countedKeys(datapath) == [key(31, SLUICE_DIR_EGRESS, SLUICE_VERDICT_DENIED)])
        }
    }

    @Test func aLaterFragmentAtAnEnforcingEndpointIsADeniedVerdict() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(setup(rules: [allowDNSOut]))
            var fragment = N.outbound(.raw(protocol: IPProtocol.udp, bytes: [UInt8](repeating: 0x55, count: 16)))
            fragment.ipv4FragmentOffset = 185
            let outcome = try datapath.run(.fromPod, fragment)
            #expect(outcome.counted.map(\.reason) == [SLUICE_REASON_DROP_FRAGMENT.rawValue])
            #expect(try countedKeys(datapath) == [key(Self.egressBlame, SLUICE_DIR_EGRESS, SLUICE_VERDICT_DENIED)])
        }
    }

    @Test func aDirectionNothingEnforcesGivesNoVerdict() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(setup(flags: N.enforceIngress))
            var fragment = N.outbound(.raw(protocol: IPProtocol.udp, bytes: [UInt8](repeating: 0x55, count: 16)))
            fragment.ipv4FragmentOffset = 185
            #expect(try datapath.run(.fromPod, N.outbound(.udp(sport: N.ephemeralPort, dport: 5353))).retval == TCAction.ok)
            #expect(try datapath.run(.fromPod, fragment).retval == TCAction.ok)
            #expect(try countedKeys(datapath).isEmpty)
        }
    }
}
