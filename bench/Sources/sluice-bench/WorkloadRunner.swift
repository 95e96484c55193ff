import TestSupport

/// The three workloads, repeated, against one target from the client pod (or `client`).
struct WorkloadRunner {
    let context: SessionContext

    func run(target: String, cgroup: TestCgroup?, from client: (any InNetworkNamespace)? = nil) throws -> [WorkloadSample] {
        let plan = context.plan
        let client = client ?? context.topology.client
        let loadgen = context.loadgen
        // Neighbour entries, route and socket caches warm up before anything counts.
        _ = try loadgen.crr(from: client, to: target, seconds: min(0.2, plan.crrSeconds), cgroup: cgroup)
        var samples: [WorkloadSample] = []
        for _ in 0..<plan.repetitions {
            let serverCPUBefore = context.topology.serverCPUNanoseconds()
            let crr = try loadgen.crr(from: client, to: target, seconds: plan.crrSeconds, cgroup: cgroup)
            let serverCPU = difference(from: serverCPUBefore, to: context.topology.serverCPUNanoseconds())
            let rr = try loadgen.rr(from: client, to: target, seconds: plan.rrSeconds, cgroup: cgroup)
            let bulk = try loadgen.bulk(from: client, to: target, seconds: plan.bulkSeconds, cgroup: cgroup)
            samples.append(WorkloadSample(
                connectionsPerSecond: crr.rate,
                connectionP50Us: crr.p50Us,
                connectionP99Us: crr.p99Us,
                cpuPerConnectionUs: Double(crr.cpuNs + serverCPU) / 1000 / Double(max(1, crr.connections)),
                requestP50Us: rr.p50Us,
                requestP99Us: rr.p99Us,
                throughputGbitPerSecond: bulk.gbitPerS))
        }
        return samples
    }
}
