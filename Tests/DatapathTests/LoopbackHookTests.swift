import BPF
import CSluiceBPF
import Glibc
import Testing

/// The program on a real tc hook: sluice_to_pod on the egress of the
/// loopback device of a private network namespace, fed by a packet socket.
/// BPF_PROG_TEST_RUN refuses frames whose IP header is shorter than the
/// ethertype promises, but a pod can send them, so those cases run here.
@Suite(.enabled(if: getuid() == 0, "attaching BPF programs needs root"))
struct LoopbackHookTests {
    typealias N = TestNetwork

    struct Frame: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: [UInt8]
    }

    static let truncatedFrames: [Frame] = {
        let syn = N.inbound(.tcp(sport: N.ephemeralPort, dport: 80))
        let syn6 = N.inbound(from: N.peer6, .tcp(sport: N.ephemeralPort, dport: 80))
        let eth = TestPacket.ethernetHeaderLength
        return [
            Frame(testDescription: "only an Ethernet header claiming IPv4",
                  bytes: TestPacket.ethernet(ethertype: TestPacket.ethertypeIPv4)),
            Frame(testDescription: "only an Ethernet header claiming IPv6",
                  bytes: TestPacket.ethernet(ethertype: TestPacket.ethertypeIPv6)),
            Frame(testDescription: "12 bytes of an IPv4 header", bytes: syn.truncated(to: eth + 12)),
            Frame(testDescription: "19 bytes of an IPv4 header", bytes: syn.truncated(to: eth + 19)),
            Frame(testDescription: "30 bytes of an IPv6 header", bytes: syn6.truncated(to: eth + 30)),
            Frame(testDescription: "39 bytes of an IPv6 header", bytes: syn6.truncated(to: eth + 39)),
        ]
    }()

    @Test("a frame cut inside its IP header is dropped as malformed", arguments: truncatedFrames)
    func frameCutInsideItsIPHeaderIsMalformed(_ frame: Frame) throws {
        let (delivered, counted) = try sendThroughToPod(frame.bytes, setup: N.setup(flags: 0))
        #expect(!delivered)
        #expect(counted == [MetricsCount(direction: SLUICE_DIR_INGRESS.rawValue,
                                         reason: SLUICE_REASON_DROP_MALFORMED.rawValue,
                                         packets: 1, bytes: UInt64(frame.bytes.count))])
    }

    @Test func allowedFlowOnARealHookIsCountedAsAllowed() throws {
        let syn = N.inbound(.tcp(sport: N.ephemeralPort, dport: 80))
        let setup = N.setup(rules: [N.rule(SLUICE_DIR_INGRESS, IPProtocol.tcp, port: 80)])
        let (delivered, counted) = try sendThroughToPod(syn.bytes, setup: setup)
        #expect(delivered)
        #expect(counted == [MetricsCount(direction: SLUICE_DIR_INGRESS.rawValue,
                                         reason: SLUICE_REASON_POLICY_ALLOWED.rawValue,
                                         packets: 1, bytes: UInt64(syn.bytes.count))])
    }

    @Test func framesShorterThanAnEthernetHeaderCannotBeSent() throws {
        let runt = Array(TestPacket.ethernet(ethertype: TestPacket.ethertypeIPv4).prefix(13))
        #expect(throws: PrivateNetworkNamespace.Failure.self) {
            _ = try sendThroughToPod(runt, setup: N.setup(flags: 0))
        }
    }

    /// Attaches sluice_to_pod, sends `frame` out of lo, and tells whether lo
    /// took it and which counters moved.
    private func sendThroughToPod(_ frame: [UInt8], setup: DatapathSetup) throws -> (Bool, [MetricsCount]) {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(setup)
            let program = try datapath.program(.toPod)
            return try PrivateNetworkNamespace.run {
                let hook = TCAttachment(ifindex: PrivateNetworkNamespace.loopbackIfindex, direction: .egress)
                try hook.attach(program)
                defer {
                    do { try hook.detach() } catch { Issue.record("detach from lo: \(error)") }
                }
                let before = try datapath.metricsSnapshot()
                let delivered = try PrivateNetworkNamespace.send(frame)
                return (delivered, try datapath.metricsSnapshot().changes(since: before))
            }
        }
    }
}
