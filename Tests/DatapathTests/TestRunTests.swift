import BPF
import CSluiceBPF
import Glibc
import Testing

/// What BPF_PROG_TEST_RUN itself hands the programs, checked rather than
/// assumed, since every other test builds on it.
@Suite(.enabled(if: getuid() == 0, "loading BPF programs needs root"))
struct TestRunTests {
    typealias N = TestNetwork

    @Test func programSeesTheLoopbackIfindexInTestRuns() throws {
        try LoadedDatapath.withLoaded { datapath in
            let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80))
            try datapath.register(endpointID: N.endpointID, flags: 0, ifindex: LoadedDatapath.testRunIfindex + 1)
            #expect(try datapath.run(.fromPod, syn).counted.map(\.reason) == [SLUICE_REASON_NO_ENDPOINT.rawValue])
            try datapath.register(endpointID: N.endpointID, flags: 0, ifindex: LoadedDatapath.testRunIfindex)
            #expect(try datapath.run(.fromPod, syn).counted.map(\.reason) == [SLUICE_REASON_NOT_ENFORCED.rawValue])
        }
    }

    @Test func framesShorterThanAnEthernetHeaderNeverReachThePrograms() throws {
        try LoadedDatapath.withLoaded { datapath in
            let runt = Array(TestPacket.ethernet(ethertype: TestPacket.ethertypeIPv4).prefix(13))
            #expect(throws: BPFError.self) { try datapath.run(.fromPod, runt) }
        }
    }

    @Test func countedBytesAreTheWholeFrame() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(flags: 0))
            var packet = N.outbound(.udp(sport: 1, dport: 2))
            packet.payload = [UInt8](repeating: 7, count: 333)
            let outcome = try datapath.run(.fromPod, packet)
            #expect(outcome.counted == [MetricsCount(direction: SLUICE_DIR_EGRESS.rawValue,
                                                     reason: SLUICE_REASON_NOT_ENFORCED.rawValue,
                                                     packets: 1, bytes: UInt64(packet.bytes.count))])
        }
    }

    @Test func forwardedPacketsLeaveUnchanged() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup(flags: 0))
            let frame = N.outbound(to: N.peer6, .tcp(sport: N.ephemeralPort, dport: 443)).bytes
            #expect(try datapath.run(.fromPod, frame).output == frame)
        }
    }

    @Test func countersAddUpOverRepeatedPackets() throws {
        try LoadedDatapath.withLoaded { datapath in
            try datapath.apply(N.setup())
            let syn = N.outbound(.tcp(sport: N.ephemeralPort, dport: 80))
            let before = try datapath.metricsSnapshot()
            for _ in 0..<5 { _ = try datapath.run(.fromPod, syn) }
            let counted = try datapath.metricsSnapshot().changes(since: before)
            #expect(counted == [MetricsCount(direction: SLUICE_DIR_EGRESS.rawValue,
                                             reason: SLUICE_REASON_DROP_POLICY.rawValue,
                                             packets: 5, bytes: 5 * UInt64(syn.bytes.count))])
        }
    }
}
