import BPF
import CSluiceBPF
import TestSupport

/// ns per packet of the pod datapath's main paths through BPF_PROG_TEST_RUN, with the
/// maps filled at each N. A path a repeated packet measures faithfully runs with
/// `repeat`; one that creates state (a repeated SYN would find its own conntrack entry)
/// runs fresh flows one test run each, and the same single-run method is applied to a
/// stateless path as calibration. Each path checks it counted under the expected reason.
/// The per-packet service path (tc_node's NodePort DNAT) is measured the same way
/// (MicroSuite+NodePort.swift).
struct MicroSuite {
    let plan: BenchPlan
    let environment: BenchEnvironment

    static let tcActOK: UInt32 = 0
    static let tcActShot: UInt32 = 2

    func run() -> MicroResult {
        say("BPF micro-benchmarks")
        var result = MicroResult(rows: [], failures: [], unavailable: [])
        if environment.nodePortObject == nil {
            result.unavailable.append(MicroUnavailable(
                title: "service DNAT", reason: "not available in this build: no \(BenchEnvironment.nodePortObject)"))
        }
        let objectPath = environment.bpfDirectory + "/" + BenchEnvironment.podObject
        for scale in plan.scales {
            record(scale: scale, program: "tc_pod", into: &result) {
                try MicroDatapath.withLoaded(objectPath: objectPath) { datapath in
                    try datapath.fill(scale: scale)
                    return try measure(datapath)
                }
            }
        }
        if let nodePortObject = environment.nodePortObject {
            for scale in plan.scales {
                record(scale: scale, program: "tc_node", into: &result) {
                    try MicroNodePort.withLoaded(objectPath: nodePortObject) { nodePort in
                        try nodePort.fill(scale: scale)
                        return try measure(nodePort)
                    }
                }
            }
        }
        return result
    }

    private func record(scale: Int, program: String, into result: inout MicroResult, _ body: () throws -> [(Path, Double)]) {
        do {
            let values = try body()
            for (path, nanoseconds) in values {
                if let index = result.rows.firstIndex(where: { $0.id == path.id }) {
                    result.rows[index].nanoseconds[String(scale)] = nanoseconds
                } else {
                    result.rows.append(MicroRow(id: path.id, title: path.title, method: path.method,
                                                nanoseconds: [String(scale): nanoseconds]))
                }
            }
            say("  \(program) N = \(scale): " + values.map { "\($0.0.id) \(Int($0.1.rounded())) ns" }.joined(separator: ", "))
        } catch {
            result.failures.append("micro \(program) N=\(scale): \(error)")
            say("  \(program) N = \(scale): FAILED: \(error)")
        }
    }

    struct Path {
        var id: String
        var title: String
        var method: String
    }

    private func measure(_ datapath: MicroDatapath) throws -> [(Path, Double)] {
        let client = MicroPacket.address(MicroDatapath.client)
        let server = MicroPacket.address(MicroDatapath.server)
        let stranger = MicroPacket.address(ScaleAddressing.unusedPeer(0))
        let served = ScaleAddressing.servedPort
        var results: [(Path, Double)] = []
        let repeated = "repeat \(plan.microRepeat)"
        let single = "median of \(plan.microFlows) single runs"

        // A known peer on a port its policy does not allow: ipcache hit, policy miss.
        let drop = MicroPacket.tcp(from: stranger, to: server, sport: 40001, dport: served, flags: MicroPacket.syn)
        results.append((Path(id: "policy-drop", title: "policy drop (ipcache + policy lookup)", method: repeated),
                        try repeatedRun(datapath, datapath.toPod, drop, expect: (Self.tcActShot, SLUICE_DIR_INGRESS, SLUICE_REASON_DROP_POLICY))))
        results.append((Path(id: "policy-drop-single", title: "policy drop, single runs (calibration)", method: single),
                        try singleRuns(datapath, datapath.toPod, expect: (Self.tcActShot, SLUICE_DIR_INGRESS, SLUICE_REASON_DROP_POLICY)) { _ in drop }))

        results.append((Path(id: "policy-allow-new-flow", title: "policy allow, new flow (lookups + conntrack create)", method: single),
                        try singleRuns(datapath, datapath.toPod, expect: (Self.tcActOK, SLUICE_DIR_INGRESS, SLUICE_REASON_POLICY_ALLOWED)) { flow in
                            MicroPacket.tcp(from: client, to: server, sport: UInt16(1024 + flow), dport: served, flags: MicroPacket.syn)
                        }))

        try datapath.setEnforced(false)
        results.append((Path(id: "unenforced-new-flow", title: "new flow, endpoint not enforced (conntrack create only)", method: single),
                        try singleRuns(datapath, datapath.toPod, expect: (Self.tcActOK, SLUICE_DIR_INGRESS, SLUICE_REASON_NOT_ENFORCED)) { flow in
                            MicroPacket.tcp(from: client, to: server, sport: UInt16(30000 + flow), dport: served, flags: MicroPacket.syn)
                        }))
        try datapath.setEnforced(true)

        // One allowed flow, then its next packets and its replies.
        let syn = MicroPacket.tcp(from: client, to: server, sport: 60000, dport: served, flags: MicroPacket.syn)
        guard try datapath.toPod.testRun(syn).retval == Self.tcActOK else {
            throw BenchError.setup("the probed flow's SYN was not allowed")
        }
        let established = MicroPacket.tcp(from: client, to: server, sport: 60000, dport: served, flags: MicroPacket.ack)
        results.append((Path(id: "established", title: "established flow (conntrack hit)", method: repeated),
                        try repeatedRun(datapath, datapath.toPod, established, expect: (Self.tcActOK, SLUICE_DIR_INGRESS, SLUICE_REASON_CT_ESTABLISHED))))
        let reply = MicroPacket.tcp(from: server, to: client, sport: served, dport: 60000, flags: MicroPacket.ack)
        results.append((Path(id: "reply", title: "reply of an allowed flow (reverse conntrack hit)", method: repeated),
                        try repeatedRun(datapath, datapath.fromPod, reply, expect: (Self.tcActOK, SLUICE_DIR_EGRESS, SLUICE_REASON_CT_REPLY))))
        return results
    }

    private typealias Expectation = (retval: UInt32, direction: sluice_direction, reason: sluice_reason)

    private func repeatedRun(_ datapath: MicroDatapath, _ program: BPFProgram, _ packet: [UInt8],
                             expect: Expectation) throws -> Double {
        let before = try datapath.counted(expect.direction, expect.reason)
        let result = try program.testRun(packet, repeat: plan.microRepeat)
        try check(result.retval, counted: difference(from: before, to: try datapath.counted(expect.direction, expect.reason)),
                  runs: UInt64(plan.microRepeat), expect: expect, program: program)
        return Double(result.durationNanoseconds)
    }

    private func singleRuns(_ datapath: MicroDatapath, _ program: BPFProgram, expect: Expectation,
                            packet: (Int) -> [UInt8]) throws -> Double {
        let before = try datapath.counted(expect.direction, expect.reason)
        var durations: [Double] = []
        durations.reserveCapacity(plan.microFlows)
        for flow in 0..<plan.microFlows {
            let result = try program.testRun(packet(flow))
            guard result.retval == expect.retval else {
                throw BenchError.setup("\(program.name) returned \(result.retval) on run \(flow), expected \(expect.retval)")
            }
            durations.append(Double(result.durationNanoseconds))
        }
        try check(expect.retval, counted: difference(from: before, to: try datapath.counted(expect.direction, expect.reason)),
                  runs: UInt64(plan.microFlows), expect: expect, program: program)
        return median(durations)
    }

    private func check(_ retval: UInt32, counted: UInt64, runs: UInt64, expect: Expectation, program: BPFProgram) throws {
        guard retval == expect.retval, counted == runs else {
            throw BenchError.setup("\(program.name): returned \(retval) (expected \(expect.retval)), counted \(counted) "
                                   + "of \(runs) runs under reason \(expect.reason.rawValue)")
        }
    }
}
