import CSluiceBPF
import Glibc
import Testing

/// How tracked flows end (timeouts by TCP state), what else they let through
/// (ICMP errors about them), and what they credit to the policy that allowed them.
@Suite(.enabled(if: getuid() == 0, "loading BPF programs needs root"))
struct ConntrackLifecycleTests {
    typealias N = TestNetwork

    let allowDNSOut = N.rule(SLUICE_DIR_EGRESS, IPProtocol.udp, port: 53, policyID: 9)
    let allowHTTPOut = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80, policyID: 42)
    let query = N.outbound(.udp(sport: N.ephemeralPort, dport: 53))
    let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80, flags: .syn))

    /// An ICMP error from `from` quoting the first 28 bytes of `quoted`'s IP packet.
    private func icmpError(about quoted: TestPacket, from sender: IPAddress) -> TestPacket {
        let ipPacket = Array(quoted.bytes.dropFirst(14))
        let header: [UInt8] = sender.isIPv4 ? [3, 3, 0, 0, 0, 0, 0, 0] : [1, 4, 0, 0, 0, 0, 0, 0]
        let quote = Array(ipPacket.prefix(sender.isIPv4 ? 28 : 48))
        return TestPacket(from: sender, to: quoted.source,
                          .raw(protocol: sender.isIPv4 ? IPProtocol.icmp : IPProtocol.icmpv6, bytes: header + quote))
    }

    private func setTimeouts(_ datapath: LoadedDatapath, syn: UInt64 = 0, established: UInt64 = 0,
                             closing: UInt64 = 0, other: UInt64 = 0) throws {
        try datapath.config.update(0, sluice_config(ct_tcp_syn_ns: syn, ct_tcp_established_ns: established,
                                                    ct_tcp_closing_ns: closing, ct_other_ns: other))
    }

    private func expect(_ outcome: LoadedDatapath.Outcome, _ action: UInt32, _ reason: sluice_reason,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.retval == action, sourceLocation: sourceLocation)
        #expect(outcome.counted.map(\.reason) == [reason.rawValue], sourceLocation: sourceLocation)
    }

    @Test(arguments: [N.peer4, N.peer6])
    func icmpErrorAboutAnAllowedFlowPassesAsRelated(peer: IPAddress) throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowDNSOut]))
            let request = N.outbound(to: peer, .udp(sport: N.ephemeralPort, dport: 53))
            expect(try datapath.run(.fromPod, request), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED)
            expect(try datapath.run(.toPod, icmpError(about: request, from: peer)), TCAction.ok, SLUICE_REASON_CT_RELATED)
        }
    }

    @Test func icmpErrorAboutAnUnknownFlowIsJudgedByPolicy() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowDNSOut]))
            expect(try datapath.run(.toPod, icmpError(about: query, from: N.peer4)), TCAction.shot, SLUICE_REASON_DROP_POLICY)
        }
    }

    @Test func echoRequestWithOurRequestsIdentifierIsNotAReply() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [N.rule(SLUICE_DIR_EGRESS, IPProtocol.icmp, policyID: 5)]))
            expect(try datapath.run(.fromPod, N.outbound(.echo(id: 77))), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED)
            expect(try datapath.run(.toPod, N.inbound(.echo(id: 77))), TCAction.shot, SLUICE_REASON_DROP_POLICY)
            expect(try datapath.run(.toPod, N.inbound(.echo(id: 77, reply: true))), TCAction.ok, SLUICE_REASON_CT_REPLY)
        }
    }

    @Test func expiredEntryNoLongerLetsRepliesThrough() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowDNSOut]))
            try setTimeouts(datapath, other: 1)
            expect(try datapath.run(.fromPod, query), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED)
            expect(try datapath.run(.toPod, query.reply()), TCAction.shot, SLUICE_REASON_DROP_POLICY)
        }
    }

    @Test func unansweredSynUsesTheSynTimeoutAndAnsweredFlowsTheEstablishedOne() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            try setTimeouts(datapath, syn: 1, established: 3_600_000_000_000)
            expect(try datapath.run(.fromPod, syn), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED)
            let synAck = syn.reply(.tcp(sport: 80, dport: N.ephemeralPort, flags: [.syn, .ack]))
            expect(try datapath.run(.toPod, synAck), TCAction.shot, SLUICE_REASON_DROP_POLICY)

            try setTimeouts(datapath, syn: 3_600_000_000_000, established: 1)
            let secondSyn = N.outbound(.tcp(sport: N.ephemeralPort + 1, dport: 80, flags: .syn))
            let secondSynAck = secondSyn.reply(.tcp(sport: 80, dport: N.ephemeralPort + 1, flags: [.syn, .ack]))
            expect(try datapath.run(.fromPod, secondSyn), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED)
            expect(try datapath.run(.toPod, secondSynAck), TCAction.ok, SLUICE_REASON_CT_REPLY)
            // Now answered, the 1 ns established timeout applies to the next reply.
            let data = secondSyn.reply(.tcp(sport: 80, dport: N.ephemeralPort + 1, flags: .ack))
            expect(try datapath.run(.toPod, data), TCAction.shot, SLUICE_REASON_DROP_POLICY)
        }
    }

    @Test func finMovesAFlowToTheClosingTimeout() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            try setTimeouts(datapath, established: 3_600_000_000_000, closing: 1)
            expect(try datapath.run(.fromPod, syn), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED)
            let synAck = syn.reply(.tcp(sport: 80, dport: N.ephemeralPort, flags: [.syn, .ack]))
            expect(try datapath.run(.toPod, synAck), TCAction.ok, SLUICE_REASON_CT_REPLY)
            let fin = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80, flags: [.fin, .ack]))
            expect(try datapath.run(.fromPod, fin), TCAction.ok, SLUICE_REASON_CT_ESTABLISHED)
            let finAck = syn.reply(.tcp(sport: 80, dport: N.ephemeralPort, flags: [.fin, .ack]))
            expect(try datapath.run(.toPod, finAck), TCAction.shot, SLUICE_REASON_DROP_POLICY)
        }
    }

    @Test func allowingPolicyIsCreditedWithTheFlowAndEveryPacketOfIt() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            let synAck = syn.reply(.tcp(sport: 80, dport: N.ephemeralPort, flags: [.syn, .ack]))
            let ack = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80, flags: .ack))
            _ = try datapath.run(.fromPod, syn)
            _ = try datapath.run(.toPod, synAck)
            _ = try datapath.run(.fromPod, ack)
            let stats = try #require(try datapath.policyStats(policyID: 42, SLUICE_DIR_EGRESS, SLUICE_VERDICT_ALLOWED))
            #expect(stats.flows == 1)
            #expect(stats.packets == 3)
            #expect(stats.bytes == UInt64(syn.bytes.count + synAck.bytes.count + ack.bytes.count))
            // Nothing is credited to "no policy" or to the other direction.
            #expect(try datapath.policyStats(policyID: 42, SLUICE_DIR_INGRESS, SLUICE_VERDICT_ALLOWED) == nil)
            #expect(try datapath.policyStats.keys().count == 1, "no denied or audit verdicts")
        }
    }
}
