import CSluiceBPF

/// Fixtures for headers the parser must read right or refuse: truncation,
/// inconsistent lengths, IPv4 options and fragments.
extension VerdictFixture {
    static var parsing: [VerdictFixture] {
        typealias N = TestNetwork
        let allowHTTP = N.setup(rules: [N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80)])
        let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80))
        let syn6 = N.outbound(to: N.peer6, .tcp(sport: N.ephemeralPort, dport: 80))
        let eth = TestPacket.ethernetHeaderLength

        var ihl4 = syn
        ihl4.ihlOverride = 4
        var shortTotal = syn
        shortTotal.ipLengthOverride = 16
        var longTotal = syn
        longTotal.ipLengthOverride = 100
        // total length stops 10 bytes into the TCP header; the frame goes on
        var totalInsideTCP = syn
        totalInsideTCP.ipLengthOverride = 30
        totalInsideTCP.payload = [UInt8](repeating: 0, count: 20)
        let shortTCP = N.outbound(.raw(protocol: IPProtocol.tcp, bytes: be16(N.ephemeralPort) + be16(80) + [0, 0, 0, 0, 0, 0]))
        // a whole 20-byte TCP header whose data offset says 16
        let dataOffset4 = be16(N.ephemeralPort) + be16(80) + be32(1) + be32(0) + [0x40, 0x02] + be16(1024) + [0, 0, 0, 0]
        let badDataOffset = N.outbound(.raw(protocol: IPProtocol.tcp, bytes: dataOffset4))
        let shortUDP = N.outbound(.raw(protocol: IPProtocol.udp, bytes: be16(N.ephemeralPort) + be16(80)))
        let shortICMP = N.outbound(.raw(protocol: IPProtocol.icmp, bytes: [8, 0, 0, 0]))
        var withOptions = syn
        withOptions.ipv4Options = [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]  // router alert, NOPs, end
        var firstFragment = syn
        firstFragment.ipv4MoreFragments = true
        firstFragment.payload = [UInt8](repeating: 0x55, count: 16)
        var laterFragment = N.outbound(.raw(protocol: IPProtocol.tcp, bytes: [UInt8](repeating: 0x55, count: 16)))
        laterFragment.ipv4FragmentOffset = 185
        var laterFragmentLikePort80 = laterFragment
        laterFragmentLikePort80.transport = .raw(protocol: IPProtocol.tcp, bytes: be16(N.ephemeralPort) + be16(80) + [UInt8](repeating: 0, count: 16))
        var otherIPVersion = syn.bytes
        otherIPVersion[eth] = 0x65

        return [
            .init("IPv4 options cut short by the frame are malformed", allowHTTP, .fromPod,
                  frame: withOptions.truncated(to: eth + 24), TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("a truncated TCP header is malformed", allowHTTP, .fromPod,
                  frame: syn.truncated(to: syn.transportOffset + 12), TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("a truncated TCP header over IPv6 is malformed", allowHTTP, .fromPod,
                  frame: syn6.truncated(to: syn6.transportOffset + 12), TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("an IPv4 packet too short for its TCP header is malformed", allowHTTP, .fromPod, shortTCP,
                  TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("a TCP data offset below 5 is malformed", allowHTTP, .fromPod, badDataOffset,
                  TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("a UDP header of 4 bytes is malformed", N.setup(flags: 0), .fromPod, shortUDP,
                  TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("an ICMP header of 4 bytes is malformed", N.setup(flags: 0), .fromPod, shortICMP,
                  TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("an IHL below 5 is malformed", allowHTTP, .fromPod, ihl4, TCAction.shot,
                  SLUICE_REASON_DROP_MALFORMED),
            .init("an IPv4 total length shorter than its header is malformed", allowHTTP, .fromPod, shortTotal,
                  TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("an IPv4 total length longer than the frame is malformed", allowHTTP, .fromPod, longTotal,
                  TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("a TCP header that runs past the IPv4 total length is malformed", allowHTTP, .fromPod,
                  totalInsideTCP, TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("an IPv4 ethertype over another IP version is malformed", allowHTTP, .fromPod,
                  frame: otherIPVersion, TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("malformed packets are dropped on a pod without policy too", N.setup(flags: 0), .fromPod, ihl4,
                  TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("IPv4 options are skipped to reach the ports", allowHTTP, .fromPod, withOptions,
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("a first IPv4 fragment is judged by its ports", allowHTTP, .fromPod, firstFragment,
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("a later IPv4 fragment is dropped where enforced", allowHTTP, .fromPod, laterFragment,
                  TCAction.shot, SLUICE_REASON_DROP_FRAGMENT),
            .init("a later IPv4 fragment is not read for ports", allowHTTP, .fromPod, laterFragmentLikePort80,
                  TCAction.shot, SLUICE_REASON_DROP_FRAGMENT),
            .init("a later IPv4 fragment passes where not enforced", N.setup(flags: N.enforceIngress), .fromPod,
                  laterFragment, TCAction.ok, SLUICE_REASON_NOT_ENFORCED),
        ]
    }

    /// IPv6, its extension header walk and ICMPv6 echo.
    static var ipv6: [VerdictFixture] {
        typealias N = TestNetwork
        let allowHTTP = N.setup(rules: [N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80)])
        let syn6 = N.outbound(to: N.peer6, .tcp(sport: N.ephemeralPort, dport: 80))
        let with = { (extensions: [TestPacket.IPv6Extension]) -> TestPacket in
            var packet = syn6
            packet.ipv6Extensions = extensions
            return packet
        }
        let longest = [TestPacket.IPv6Extension](repeating: .destinationOptions, count: Int(sluiceIPv6ExtensionMax))
        var laterFragment = with([.fragment(offset: 100, more: false)])
        laterFragment.transport = .raw(protocol: IPProtocol.tcp, bytes: [UInt8](repeating: 0x55, count: 24))
        var cutExtension = with([.hopByHop, .destinationOptions])
        cutExtension.ipLengthOverride = 12
        let icmp6 = N.setup(rules: [N.rule(SLUICE_DIR_EGRESS, IPProtocol.icmpv6)])
        let gateway = IPAddress("fe80::1")
        let icmpv6 = { (type: UInt8, body: [UInt8]) in TestPacket.Transport.raw(protocol: IPProtocol.icmpv6, bytes: [type, 0, 0, 0] + body) }
        let solicitation = TestPacket(from: gateway, to: N.pod6, icmpv6(135, [0, 0, 0, 0] + N.pod6.bytes))
        let listenerReport = TestPacket(from: N.pod6, to: IPAddress("ff02::16"), icmpv6(143, [0, 0, 0, 0]))
        let unreachable = N.inbound(from: N.peer6, icmpv6(1, [0, 0, 0, 0] + syn6.reply().bytes.dropFirst(14).prefix(48)))

        return [
            .init("IPv6 TCP to an allowed port passes", allowHTTP, .fromPod, syn6, TCAction.ok,
                  SLUICE_REASON_POLICY_ALLOWED),
            .init("IPv6 TCP to another port is dropped", allowHTTP, .fromPod,
                  N.outbound(to: N.peer6, .tcp(sport: N.ephemeralPort, dport: 81)), TCAction.shot,
                  SLUICE_REASON_DROP_POLICY),
            .init("IPv6 TCP behind a hop-by-hop header is judged by its ports", allowHTTP, .fromPod,
                  with([.hopByHop]), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("IPv6 TCP behind hop-by-hop, routing, AH and destination options is judged by its ports",
                  allowHTTP, .fromPod, with([.hopByHop, .routing, .authentication, .destinationOptions]),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("an IPv6 chain as long as the walk is parsed", allowHTTP, .fromPod, with(longest),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("an IPv6 chain one longer than the walk is dropped", allowHTTP, .fromPod,
                  with(longest + [.destinationOptions]), TCAction.shot, SLUICE_REASON_DROP_EXT_HEADERS),
            .init("an IPv6 extension header past the payload length is malformed", allowHTTP, .fromPod,
                  cutExtension, TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
            .init("a first IPv6 fragment is judged by its ports", allowHTTP, .fromPod,
                  with([.fragment(offset: 0, more: true)]), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("a later IPv6 fragment is dropped where enforced", allowHTTP, .fromPod, laterFragment,
                  TCAction.shot, SLUICE_REASON_DROP_FRAGMENT),
            .init("ICMPv6 echo request allowed by an ICMPv6 rule passes", icmp6, .fromPod,
                  N.outbound(to: N.peer6, .echo(id: 9)), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("ICMPv6 echo request without a rule is dropped", allowHTTP, .fromPod,
                  N.outbound(to: N.peer6, .echo(id: 9)), TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("ICMPv6 neighbor solicitation passes an enforced pod without rules", N.setup(), .toPod,
                  solicitation, TCAction.ok, SLUICE_REASON_ICMPV6_LINK),
            .init("an ICMPv6 multicast listener report passes an enforced pod without rules", N.setup(), .fromPod,
                  listenerReport, TCAction.ok, SLUICE_REASON_ICMPV6_LINK),
            .init("ICMPv6 neighbor discovery types off the link are judged by policy, inbound", N.setup(), .toPod,
                  TestPacket(from: N.peer6, to: N.pod6, icmpv6(135, [0, 0, 0, 0] + N.pod6.bytes)),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("ICMPv6 neighbor discovery types off the link are judged by policy, outbound", N.setup(), .fromPod,
                  TestPacket(from: N.pod6, to: N.peer6, icmpv6(136, [0, 0, 0, 0] + N.pod6.bytes)),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("a neighbor advertisement to the gateway's link-local address passes", N.setup(), .fromPod,
                  TestPacket(from: N.pod6, to: gateway, icmpv6(136, [0, 0, 0, 0] + N.pod6.bytes)),
                  TCAction.ok, SLUICE_REASON_ICMPV6_LINK),
            .init("ICMPv6 destination unreachable is judged by policy", N.setup(), .toPod, unreachable,
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
        ]
    }
}

/// SLUICE_IPV6_EXT_MAX as tc_pod.bpf.o is built by default (bpf/lib/parse.h).
let sluiceIPv6ExtensionMax: UInt32 = 8
