import CSluiceBPF

/// Fixtures for the policy trie: exact ports, port prefixes, all ports, all
/// protocols, deny entries, and rules that belong to someone else.
extension VerdictFixture {
    static var policy: [VerdictFixture] {
        typealias N = TestNetwork
        let tcp80 = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80)
        let udp53In = N.rule(SLUICE_DIR_INGRESS, IPProtocol.udp, port: 53)
        // 8080-8087: one 13-bit prefix block, as the planner splits ranges
        let tcpRange = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 8080, prefixBits: 13)
        let allTCP = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp)
        let everything = N.rule(SLUICE_DIR_EGRESS)
        let deny22 = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 22, action: SLUICE_ACTION_DENY)
        let sctp9899 = N.rule(SLUICE_DIR_INGRESS, IPProtocol.sctp, port: 9899)
        let icmpOut = N.rule(SLUICE_DIR_EGRESS, IPProtocol.icmp)
        let tcp80In = N.rule(SLUICE_DIR_INGRESS, IPProtocol.tcp, port: 80)
        let otherEndpoint = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80, endpointID: N.otherEndpointID)
        var unknownAction = tcp80
        unknownAction.action = 9
        let syn = { (port: UInt16) in N.outbound(.tcp(sport: N.ephemeralPort, dport: port)) }

        return [
            .init("TCP to an exactly allowed port passes", N.setup(rules: [tcp80]), .fromPod, syn(80),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("TCP to the next port is dropped for lack of a rule", N.setup(rules: [tcp80]), .fromPod, syn(81),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("UDP into the pod on an allowed port passes", N.setup(rules: [udp53In]), .toPod,
                  N.inbound(.udp(sport: 5353, dport: 53)), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("UDP on a port allowed only for TCP is dropped", N.setup(rules: [tcp80]), .fromPod,
                  N.outbound(.udp(sport: N.ephemeralPort, dport: 80)), TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("the first port of a prefix range passes", N.setup(rules: [tcpRange]), .fromPod, syn(8080),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("the last port of a prefix range passes", N.setup(rules: [tcpRange]), .fromPod, syn(8087),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("the port after a prefix range is dropped", N.setup(rules: [tcpRange]), .fromPod, syn(8088),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("the port before a prefix range is dropped", N.setup(rules: [tcpRange]), .fromPod, syn(8079),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("an all-ports TCP rule allows any TCP port", N.setup(rules: [allTCP]), .fromPod, syn(12345),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("an all-ports TCP rule does not allow UDP", N.setup(rules: [allTCP]), .fromPod,
                  N.outbound(.udp(sport: N.ephemeralPort, dport: 12345)), TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("an all-protocols rule allows UDP", N.setup(rules: [everything]), .fromPod,
                  N.outbound(.udp(sport: N.ephemeralPort, dport: 9999)), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("an all-protocols rule allows SCTP", N.setup(rules: [everything]), .fromPod,
                  N.outbound(.sctp(sport: 5000, dport: 7)), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("an exact deny entry beats an all-ports allow", N.setup(rules: [allTCP, deny22]), .fromPod, syn(22),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY_DENY),
            .init("the all-ports allow still covers ports beside the deny", N.setup(rules: [allTCP, deny22]),
                  .fromPod, syn(23), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("SCTP into the pod on an allowed port passes", N.setup(rules: [sctp9899]), .toPod,
                  N.inbound(.sctp(sport: 5000, dport: 9899)), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("SCTP into the pod on another port is dropped", N.setup(rules: [sctp9899]), .toPod,
                  N.inbound(.sctp(sport: 5000, dport: 9898)), TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("ICMP echo request allowed by an ICMP rule passes", N.setup(rules: [icmpOut]), .fromPod,
                  N.outbound(.echo(id: 77)), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("ICMP echo request without a rule is dropped", N.setup(rules: [tcp80]), .fromPod,
                  N.outbound(.echo(id: 77)), TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("an ingress rule does not allow egress traffic", N.setup(rules: [tcp80In]), .fromPod, syn(80),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("an egress rule does not allow ingress traffic", N.setup(rules: [tcp80]), .toPod,
                  N.inbound(.tcp(sport: N.ephemeralPort, dport: 80)), TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("another endpoint's rule does not apply", N.setup(rules: [otherEndpoint]), .fromPod, syn(80),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("an entry with an unknown action allows nothing", N.setup(rules: [unknownAction]), .fromPod, syn(80),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("no rules at all drop an enforced direction", N.setup(), .toPod,
                  N.inbound(.tcp(sport: N.ephemeralPort, dport: 80)), TCAction.shot, SLUICE_REASON_DROP_POLICY),
        ]
    }

    /// Which identity the remote address gets.
    static var identity: [VerdictFixture] {
        typealias N = TestNetwork
        let worldHTTPS = N.rule(SLUICE_DIR_EGRESS, from: N.world, IPProtocol.tcp, port: 443)
        let peerHTTP = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80)
        let peerHTTPIn = N.rule(SLUICE_DIR_INGRESS, IPProtocol.tcp, port: 80)
        var subnet = N.setup(rules: [N.rule(SLUICE_DIR_EGRESS, from: 400, IPProtocol.tcp, port: 80)])
        subnet.identities.append(.init(address: IPAddress("10.9.0.0"), prefixLength: 16, identity: 400))

        return [
            .init("an address without an ipcache entry is WORLD", N.setup(rules: [worldHTTPS]), .fromPod,
                  N.outbound(to: N.stranger4, .tcp(sport: N.ephemeralPort, dport: 443)),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("an IPv6 address without an ipcache entry is WORLD", N.setup(rules: [worldHTTPS]), .fromPod,
                  N.outbound(to: N.stranger6, .tcp(sport: N.ephemeralPort, dport: 443)),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("a known peer is not WORLD", N.setup(rules: [worldHTTPS]), .fromPod,
                  N.outbound(.tcp(sport: N.ephemeralPort, dport: 443)), TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("a peer's rule does not let a stranger in", N.setup(rules: [peerHTTP]), .fromPod,
                  N.outbound(to: N.stranger4, .tcp(sport: N.ephemeralPort, dport: 80)),
                  TCAction.shot, SLUICE_REASON_DROP_POLICY),
            .init("ingress identity comes from the source address", N.setup(rules: [peerHTTPIn]), .toPod,
                  N.inbound(.tcp(sport: N.ephemeralPort, dport: 80)), TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("an ipcache prefix gives its identity to every address inside it", subnet, .fromPod,
                  N.outbound(to: N.stranger4, .tcp(sport: N.ephemeralPort, dport: 80)),
                  TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
        ]
    }

    /// Whether and how the endpoint is enforced at all.
    static var endpoint: [VerdictFixture] {
        typealias N = TestNetwork
        let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80))
        var elsewhere = N.setup()
        elsewhere.endpoints = [.init(id: N.endpointID, flags: N.enforceBoth, ifindex: 1000)]

        return [
            .init("egress of a pod enforced only on ingress is not enforced", N.setup(flags: N.enforceIngress),
                  .fromPod, syn, TCAction.ok, SLUICE_REASON_NOT_ENFORCED),
            .init("ingress of a pod enforced only on egress is not enforced", N.setup(flags: N.enforceEgress),
                  .toPod, syn.reply(), TCAction.ok, SLUICE_REASON_NOT_ENFORCED),
            .init("an interface without an endpoint forwards egress", elsewhere, .fromPod, syn,
                  TCAction.ok, SLUICE_REASON_NO_ENDPOINT),
            .init("an interface without an endpoint forwards ingress", elsewhere, .toPod, syn.reply(),
                  TCAction.ok, SLUICE_REASON_NO_ENDPOINT),
            .init("ARP passes an enforced endpoint", N.setup(), .toPod, frame: TestPacket.arpRequest(),
                  TCAction.ok, SLUICE_REASON_NOT_IP),
        ]
    }

    /// Audit mode: would-be policy drops are forwarded and counted apart.
    static var audit: [VerdictFixture] {
        typealias N = TestNetwork
        let flags = N.enforceBoth | N.audit
        let deny = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80, action: SLUICE_ACTION_DENY)
        let allow = N.rule(SLUICE_DIR_EGRESS, IPProtocol.tcp, port: 80)
        let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80))
        var fragment = syn
        fragment.ipv4FragmentOffset = 3

        return [
            .init("audit mode forwards a flow no rule allows", N.setup(flags: flags), .fromPod, syn,
                  TCAction.ok, SLUICE_REASON_AUDIT),
            .init("audit mode forwards a flow a deny entry matches", N.setup(flags: flags, rules: [deny]), .fromPod,
                  syn, TCAction.ok, SLUICE_REASON_AUDIT),
            .init("audit mode still counts allowed flows as allowed", N.setup(flags: flags, rules: [allow]),
                  .fromPod, syn, TCAction.ok, SLUICE_REASON_POLICY_ALLOWED),
            .init("audit mode forwards a fragment enforcement would drop", N.setup(flags: flags), .fromPod,
                  fragment, TCAction.ok, SLUICE_REASON_AUDIT),
            .init("audit mode still drops a malformed packet", N.setup(flags: flags), .fromPod,
                  frame: syn.truncated(to: syn.transportOffset + 8), TCAction.shot, SLUICE_REASON_DROP_MALFORMED),
        ]
    }
}
