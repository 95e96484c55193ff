import BPF
import Glibc

/// tc_node's paths: the DNAT of a new flow to a node port (service, Maglev table and
/// membership lookups, NAT entries created), the DNAT of its next packets (NAT hit), and
/// the reverse NAT of the backend's replies, one test run per packet. Each run's output
/// frame is checked: the destination one of the probed service's backends, or the reply's
/// source the node port.
extension MicroSuite {
    func measure(_ nodePort: MicroNodePort) throws -> [(Path, Double)] {
        let client = MicroPacket.address(MicroNodePort.client)
        let node = MicroPacket.address(MicroNodePort.node)
        let port = MicroNodePort.nodePort
        let backends = Set(MicroNodePort.backends.map(MicroPacket.address))
        let translated = { (frame: [UInt8]) -> Bool in
            frame.count >= 38 && backends.contains(Array(frame[30..<34]))
                && UInt16(frame[36]) << 8 | UInt16(frame[37]) == ScaleAddressing.servedPort
        }
        var results: [(Path, Double)] = []

        let single = "median of \(plan.microFlows) single runs"
        let newFlows = try runs(nodePort.fromNetwork, translated, "new flow") { flow in
            MicroPacket.tcp(from: client, to: node, sport: UInt16(1024 + flow % 60000), dport: port, flags: MicroPacket.syn)
        }
        results.append((Path(id: "service-dnat-new-flow", title: "service DNAT (tc_node), new flow to a node port",
                             method: single), newFlows))

        // One flow from a source port the new flows above did not use; its later packets.
        let sport: UInt16 = 65000
        let first = try nodePort.fromNetwork.testRun(
            MicroPacket.tcp(from: client, to: node, sport: sport, dport: port, flags: MicroPacket.syn))
        try expect(first, translated, "the established flow's SYN")
        let backend = Array(first.output[30..<34])
        let established = MicroPacket.tcp(from: client, to: node, sport: sport, dport: port, flags: MicroPacket.ack)
        let forward = try runs(nodePort.fromNetwork, { translated($0) && Array($0[30..<34]) == backend },
                               "established packets") { _ in established }
        results.append((Path(id: "service-dnat-established", title: "service DNAT (tc_node), established flow (NAT hit)",
                             method: single), forward))

        let reply = MicroPacket.tcp(from: backend, to: client, sport: ScaleAddressing.servedPort, dport: sport,
                                    flags: MicroPacket.ack)
        let backward = try runs(nodePort.toNetwork, { frame in
            frame.count >= 38 && Array(frame[26..<30]) == node && UInt16(frame[34]) << 8 | UInt16(frame[35]) == port
        }, "replies") { _ in reply }
        results.append((Path(id: "service-reverse-nat", title: "service reverse NAT (tc_node), reply to the external client",
                             method: single), backward))
        return results
    }

    /// Median ns of one test run per packet. Never `repeat`: tc_node rewrites the packet in
    /// place and a repeated run starts from the rewritten one (a DNATed packet, looked up again).
    private func runs(_ program: BPFProgram, _ check: ([UInt8]) -> Bool, _ what: String,
                      packet: (Int) -> [UInt8]) throws -> Double {
        var durations: [Double] = []
        durations.reserveCapacity(plan.microFlows)
        for flow in 0..<plan.microFlows {
            let result = try program.testRun(packet(flow))
            try expect(result, check, "\(what), run \(flow)")
            durations.append(Double(result.durationNanoseconds))
        }
        return median(durations)
    }

    private func expect(_ result: BPFTestRunResult, _ check: ([UInt8]) -> Bool, _ what: String) throws {
        guard result.retval == Self.tcActOK, check(result.output) else {
            throw BenchError.setup("tc_node, \(what): returned \(result.retval) (expected \(Self.tcActOK)), output frame "
                                   + "not translated as expected: \(result.output.prefix(38).map { String($0) }.joined(separator: "."))")
        }
    }
}
