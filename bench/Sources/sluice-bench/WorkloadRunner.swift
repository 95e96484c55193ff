import TestSupport

/// The three workloads, repeated, against one target or more from the client pod (or `client`).
struct WorkloadRunner {
    let context: SessionContext

    func run(target: String, cgroup: TestCgroup?, from client: (any InNetworkNamespace)? = nil) throws -> [WorkloadSample] {
        try run(targets: [target], cgroup: cgroup, from: client)[0]
    }

    /// Each target's samples, in the order of `targets`. With several targets each workload
    /// runs against all of them back to back, first target first in even repetitions and
    /// last in odd ones, so drift on a shared machine and whatever one run leaves behind for
    /// the next weigh on every target alike: their samples pair repetition by repetition.
    func run(targets: [String], cgroup: TestCgroup?, from client: (any InNetworkNamespace)? = nil) throws
        -> [[WorkloadSample]]
    {
        let plan = context.plan
        let client = client ?? context.topology.client
        let loadgen = context.loadgen
        // Neighbour entries, route and socket caches warm up before anything counts.
        for target in targets {
            _ = try loadgen.crr(from: client, to: target, seconds: min(0.2, plan.crrSeconds), cgroup: cgroup)
        }
        var samples = Array(repeating: [WorkloadSample](), count: targets.count)
        for repetition in 0..<plan.repetitions {
            let order = repetition % 2 == 0 ? Array(targets.indices) : Array(targets.indices.reversed())
            let crr = try each(targets, in: order) { target in
                let serverCPUBefore = context.topology.serverCPUNanoseconds()
                let result = try loadgen.crr(from: client, to: target, seconds: plan.crrSeconds, cgroup: cgroup)
                return (result, serverCPU: difference(from: serverCPUBefore, to: context.topology.serverCPUNanoseconds()))
            }
            let rr = try each(targets, in: order) { target in
                try loadgen.rr(from: client, to: target, seconds: plan.rrSeconds, cgroup: cgroup)
            }
            let bulk = try each(targets, in: order) { target in
                try loadgen.bulk(from: client, to: target, seconds: plan.bulkSeconds, cgroup: cgroup)
            }
            for index in targets.indices {
                let (crr, serverCPU) = crr[index]
                samples[index].append(WorkloadSample(
                    connectionsPerSecond: crr.rate,
                    connectionP50Us: crr.p50Us,
                    connectionP99Us: crr.p99Us,
                    cpuPerConnectionUs: Double(crr.cpuNs + serverCPU) / 1000 / Double(max(1, crr.connections)),
                    requestP50Us: rr[index].p50Us,
                    requestP99Us: rr[index].p99Us,
                    throughputGbitPerSecond: bulk[index].gbitPerS))
            }
        }
        return samples
    }

    /// `body` for each of `targets` in `order`; the results in the targets' order.
    private func each<Result>(_ targets: [String], in order: [Int], _ body: (String) throws -> Result) throws -> [Result] {
        var results = [Result?](repeating: nil, count: targets.count)
        for index in order {
            results[index] = try body(targets[index])
        }
        return results.compactMap { $0 }
    }
}
