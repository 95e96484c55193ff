import CSluiceBPF
import Glibc
import Testing

/// Stateful enforcement: what an allowed (or unenforced) packet leaves
/// behind in sluice_ct_v1 and what that lets through later.
@Suite(.enabled(if: getuid() == 0, "loading BPF programs needs root"))
struct ConntrackTests {
    typealias N = TestNetwork

    let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80, flags: .syn))
    var synAck: TestPacket { syn.reply(.tcp(sport: 80, dport: N.ephemeralPort, flags: [.syn, .ack])) }
    let allowHTTPOut = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80, policyID: 42)

    @Test func replyToAllowedFlowPassesWithoutIngressRule() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            try expect(datapath.run(.fromPod, syn), .ok, SLUICE_REASON_POLICY_ALLOWED, .fromPod)
            try expect(datapath.run(.toPod, synAck), .ok, SLUICE_REASON_CT_REPLY, .toPod)
        }
    }

    @Test func replyWithoutItsRequestIsJudgedByPolicy() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            try expect(datapath.run(.toPod, synAck), .shot, SLUICE_REASON_DROP_POLICY, .toPod)
        }
    }

    @Test func laterPacketsOfAllowedFlowAreEstablished() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            try expect(datapath.run(.fromPod, syn), .ok, SLUICE_REASON_POLICY_ALLOWED, .fromPod)
            // Established without the rule: removing it must not cut the flow.
            try datapath.policy.delete(allowHTTPOut.key)
            let ack = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80, flags: .ack))
            try expect(datapath.run(.fromPod, ack), .ok, SLUICE_REASON_CT_ESTABLISHED, .fromPod)
        }
    }

    @Test func allowedFlowRecordsPolicyDirectionAndTimes() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            _ = try datapath.run(.fromPod, syn)
            let created = try #require(try datapath.conntrackEntry(for: syn, endpointID: N.endpointID))
            #expect(created.policy_id == 42)
            #expect(UInt32(created.direction) == SLUICE_DIR_EGRESS.rawValue)
            #expect(created.flags == 0)
            #expect(created.created_ns > 0 && created.last_seen_ns == created.created_ns)

            _ = try datapath.run(.toPod, synAck)
            let replied = try #require(try datapath.conntrackEntry(for: syn, endpointID: N.endpointID))
            #expect(UInt32(replied.flags) & SLUICE_CT_SEEN_REPLY.rawValue != 0)
            #expect(replied.last_seen_ns > created.last_seen_ns)
            #expect(replied.created_ns == created.created_ns)
        }
    }

    /// Another CPU can stamp an entry after this packet read the clock: the entry is then
    /// "from the future", and must count as fresh rather than wrap around to expired (which
    /// would judge the reply by policy and drop it).
    @Test func anEntryStampedAfterThePacketsClockIsFreshNotExpired() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            _ = try datapath.run(.fromPod, syn)
            let key = LoadedDatapath.conntrackKey(for: syn, endpointID: N.endpointID)
            var entry = try #require(try datapath.conntrack.lookup(key))
            entry.last_seen_ns += 3_600 * 1_000_000_000
            try datapath.conntrack.update(key, entry)
            try expect(datapath.run(.toPod, synAck), .ok, SLUICE_REASON_CT_REPLY, .toPod)
        }
    }

    @Test func finAndResetAreRecordedOnTheEntry() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            _ = try datapath.run(.fromPod, syn)
            let fin = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80, flags: [.fin, .ack]))
            try expect(datapath.run(.fromPod, fin), .ok, SLUICE_REASON_CT_ESTABLISHED, .fromPod)
            let afterFin = try #require(try datapath.conntrackEntry(for: syn, endpointID: N.endpointID))
            #expect(UInt32(afterFin.flags) == SLUICE_CT_TCP_FIN.rawValue)

            let reset = N.inbound(.tcp(sport: 80, dport: N.ephemeralPort, flags: .rst))
            try expect(datapath.run(.toPod, reset), .ok, SLUICE_REASON_CT_REPLY, .toPod)
            let afterReset = try #require(try datapath.conntrackEntry(for: syn, endpointID: N.endpointID))
            let expected = SLUICE_CT_TCP_FIN.rawValue | SLUICE_CT_TCP_RST.rawValue | SLUICE_CT_SEEN_REPLY.rawValue
            #expect(UInt32(afterReset.flags) == expected)
        }
    }

    @Test func unenforcedEgressFlowLetsItsReplyThroughEnforcedIngress() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(flags: N.enforceIngress))
            try expect(datapath.run(.fromPod, syn), .ok, SLUICE_REASON_NOT_ENFORCED, .fromPod)
            let entry = try #require(try datapath.conntrackEntry(for: syn, endpointID: N.endpointID))
            #expect(entry.policy_id == 0)
            try expect(datapath.run(.toPod, synAck), .ok, SLUICE_REASON_CT_REPLY, .toPod)
        }
    }

    @Test func entryOfOneEndpointDoesNotLetAPacketSkipAnothersCheck() throws {
        try LoadedDatapath.withLoaded { datapath in
            // Endpoint 7 sends the SYN and keeps an entry for the flow.
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            try expect(datapath.run(.fromPod, syn), .ok, SLUICE_REASON_POLICY_ALLOWED, .fromPod)
            // The same interface now belongs to endpoint 8, enforced on ingress with no rules:
            // the reply-shaped packet has no entry of its own there and is judged by policy.
            try datapath.register(endpointID: N.otherEndpointID, flags: N.enforceBoth)
            try expect(datapath.run(.toPod, synAck), .shot, SLUICE_REASON_DROP_POLICY, .toPod)
            #expect(try !datapath.hasConntrackEntry(for: syn, endpointID: N.otherEndpointID))
            // Back at endpoint 7 the reply passes: the entry is still there, keyed on 7.
            try datapath.register(endpointID: N.endpointID, flags: N.enforceBoth)
            try expect(datapath.run(.toPod, synAck), .ok, SLUICE_REASON_CT_REPLY, .toPod)
        }
    }

    @Test func packetRepeatingTheRequestDirectionIsNotAReply() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowHTTPOut]))
            _ = try datapath.run(.fromPod, syn)
            // The reversed tuple leaving the pod is a new flow of its own, not a reply.
            try expect(datapath.run(.fromPod, synAck), .shot, SLUICE_REASON_DROP_POLICY, .fromPod)
        }
    }

    @Test func icmpEchoReplyPassesAfterAllowedRequest() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [N.rule(SLUICE_DIR_EGRESS, IPProtocol.icmp)]))
            let request = N.outbound(.echo(id: 4242))
            try expect(datapath.run(.fromPod, request), .ok, SLUICE_REASON_POLICY_ALLOWED, .fromPod)
            try expect(datapath.run(.toPod, request.reply()), .ok, SLUICE_REASON_CT_REPLY, .toPod)
            // Another identifier is another flow.
            try expect(datapath.run(.toPod, N.inbound(.echo(id: 4243, reply: true))), .shot,
                       SLUICE_REASON_DROP_POLICY, .toPod)
        }
    }

    @Test func icmpv6EchoReplyPassesAfterAllowedRequest() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [N.rule(SLUICE_DIR_EGRESS, IPProtocol.icmpv6)]))
            let request = N.outbound(to: N.peer6, .echo(id: 4242))
            try expect(datapath.run(.fromPod, request), .ok, SLUICE_REASON_POLICY_ALLOWED, .fromPod)
            try expect(datapath.run(.toPod, request.reply()), .ok, SLUICE_REASON_CT_REPLY, .toPod)
        }
    }

    @Test func udpReplyOverIPv6PassesAfterAllowedIngress() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [N.rule(SLUICE_DIR_INGRESS, IPProtocol.udp, port: 53)]))
            let query = N.inbound(from: N.peer6, .udp(sport: 5353, dport: 53))
            try expect(datapath.run(.toPod, query), .ok, SLUICE_REASON_POLICY_ALLOWED, .toPod)
            try expect(datapath.run(.fromPod, query.reply()), .ok, SLUICE_REASON_CT_REPLY, .fromPod)
        }
    }

    @Test func auditedFlowLeavesNoEntry() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(flags: N.enforceBoth | N.audit))
            try expect(datapath.run(.fromPod, syn), .ok, SLUICE_REASON_AUDIT, .fromPod)
            #expect(try !datapath.hasConntrackEntry(for: syn, endpointID: N.endpointID))
        }
    }

    private enum Verdict { case ok, shot }

    private func expect(_ outcome: LoadedDatapath.Outcome, _ verdict: Verdict, _ reason: sluice_reason, _ hook: Hook,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.retval == (verdict == .ok ? TCAction.ok : TCAction.shot), sourceLocation: sourceLocation)
        #expect(outcome.counted.map(\.reason) == [reason.rawValue], sourceLocation: sourceLocation)
        #expect(outcome.counted.map(\.direction) == [hook.direction.rawValue], sourceLocation: sourceLocation)
    }
}
