import CSluiceBPF
import Glibc
import Testing

/// A datagram larger than the path's MTU travels in IP fragments, and only the first carries
/// the transport header. The later ones take the ports of a first fragment the same check
/// forwarded (found by addresses, protocol and IP identification), so they meet its flow and
/// verdict; the last takes the entry with it. One whose first fragment was not forwarded
/// there has no ports, and is dropped where its direction is enforced.
@Suite(.enabled(if: getuid() == 0, "loading BPF programs needs root"))
struct FragmentTests {
    typealias N = TestNetwork

    let allowDNSOut = N.rule(SLUICE_DIR_EGRESS, IPProtocol.udp, port: 53, policyID: 9)

    private func first(to peer: IPAddress, dport: UInt16, id: UInt32) -> TestPacket {
        var packet = N.outbound(to: peer, .udp(sport: N.ephemeralPort, dport: dport))
        packet.payload = [UInt8](repeating: 0x44, count: 64)
        packet.fragmentID = id
        if peer.isIPv4 {
            packet.ipv4MoreFragments = true
        } else {
            packet.ipv6Extensions = [.fragment(offset: 0, more: true)]
        }
        return packet
    }

    private func later(to peer: IPAddress, id: UInt32, offset: UInt16 = 9, more: Bool = false) -> TestPacket {
        var packet = N.outbound(to: peer, .raw(protocol: IPProtocol.udp, bytes: [UInt8](repeating: 0x55, count: 16)))
        packet.fragmentID = id
        if peer.isIPv4 {
            packet.ipv4FragmentOffset = offset
            packet.ipv4MoreFragments = more
        } else {
            packet.ipv6Extensions = [.fragment(offset: offset, more: more)]
        }
        return packet
    }

    private func reasons(_ outcome: LoadedDatapath.Outcome) -> [UInt32] { outcome.counted.map(\.reason) }

    @Test(arguments: [N.peer4, N.peer6])
    func laterFragmentsFollowTheirForwardedFirstFragment(peer: IPAddress) throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowDNSOut]))
            // Allowed: the first fragment by the policy, the later ones as part of the flow it made.
            #expect(reasons(try datapath.run(.fromPod, first(to: peer, dport: 53, id: 1)))
                    == [SLUICE_REASON_POLICY_ALLOWED.rawValue])
            for more in [true, false] {
                let allowed = try datapath.run(.fromPod, later(to: peer, id: 1, offset: more ? 9 : 11, more: more))
                #expect(allowed.retval == TCAction.ok)
                #expect(reasons(allowed) == [SLUICE_REASON_CT_ESTABLISHED.rawValue])
            }
            // The last fragment took the entry: a straggler after it has no ports.
            #expect(reasons(try datapath.run(.fromPod, later(to: peer, id: 1)))
                    == [SLUICE_REASON_DROP_FRAGMENT.rawValue])

            // Denied: the first fragment by the policy; it leaves no ports to the later ones.
            #expect(try datapath.run(.fromPod, first(to: peer, dport: 5353, id: 2)).retval == TCAction.shot)
            let denied = try datapath.run(.fromPod, later(to: peer, id: 2))
            #expect(denied.retval == TCAction.shot)
            #expect(reasons(denied) == [SLUICE_REASON_DROP_FRAGMENT.rawValue])

            // Another datagram's fragment, its first unseen: no ports, dropped as a fragment.
            let unseen = try datapath.run(.fromPod, later(to: peer, id: 3))
            #expect(unseen.retval == TCAction.shot)
            #expect(reasons(unseen) == [SLUICE_REASON_DROP_FRAGMENT.rawValue])
        }
    }

    /// Ports behind another extension header after the fragment header could be overlapped by a
    /// later fragment: such a first fragment is checked on its own, and leaves nothing behind.
    @Test func anIPv6FirstFragmentWithHeadersAfterTheFragmentHeaderLeavesNoPorts() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(rules: [allowDNSOut]))
            var packet = first(to: N.peer6, dport: 53, id: 5)
            packet.ipv6Extensions = [.fragment(offset: 0, more: true), .destinationOptions]
            #expect(reasons(try datapath.run(.fromPod, packet)) == [SLUICE_REASON_POLICY_ALLOWED.rawValue])
            #expect(reasons(try datapath.run(.fromPod, later(to: N.peer6, id: 5)))
                    == [SLUICE_REASON_DROP_FRAGMENT.rawValue])
        }
    }
}
