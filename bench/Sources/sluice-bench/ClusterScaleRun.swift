import Glibc
import TestSupport

/// Issue #3's target at cluster scale: the real sluiced on the usual topology with a policy
/// directory holding thousands of pods (the topology's real ones and synthetic ones on other
/// nodes) and a thousand policies, plus the probed policy selecting the servers. Times the
/// full load and one-file changes the way the subjects are timed (a watcher in the client
/// pod), and reads the agent's own time to enforce, its footprint and its entry counts.
struct ClusterScaleRun {
    let plan: BenchPlan
    let environment: BenchEnvironment

    private var shape: ClusterScaleShape { plan.clusterScale }

    func run() -> ClusterScaleResult {
        say("Control plane at cluster scale: \(shape.pods) pods, \(shape.policies) policies, \(shape.namespaces) namespaces")
        var result = ClusterScaleResult(status: .measured, shape: shape)
        let started = monotonicNanoseconds()
        do {
            let loadgen = Loadgen(binary: environment.loadgen)
            let topology = try BenchTopology(loadgen: loadgen)
            defer { topology.tearDown() }
            let manifests = ClusterScaleManifests(shape: shape, client: topology.client, servers: topology.servers,
                                                  node: topology.topology.id)
            let agent = try SluiceAgent(environment: environment, topology: topology.topology, files: manifests.initial)
            defer { agent.tearDown() }
            let context = SessionContext(environment: environment, loadgen: loadgen, topology: topology,
                                         scale: shape.policies, plan: plan)
            do {
                try measure(into: &result, agent: agent, manifests: manifests, context: context)
                var files = manifests.initial
                for (name, contents) in manifests.load() { files[name] = contents }
                result.planning = try ClusterScalePlanning.measure(
                    files: files, edited: (ClusterScaleManifests.probedFile, manifests.probed(open: false)),
                    node: topology.topology.id)
            } catch {
                throw BenchError.setup("\(error)\nsluiced log (end):\n\(agent.log.suffix(3000))")
            }
        } catch {
            result.status = .failed
            result.note = "\(error)"
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        say("  " + summary(result) + String(format: " (%.1f s)", seconds))
        return result
    }

    private func measure(into result: inout ClusterScaleResult, agent: SluiceAgent, manifests: ClusterScaleManifests,
                         context: SessionContext) throws {
        let files = manifests.load()
        let pid = agent.pid
        let beforeLoad = EnforceHistogram(metrics: try agent.get("/metrics"))
        let cpuBeforeLoad = ProcessStats.cpuNanoseconds(pid)

        let loadWatch = try watch(context, until: .open, timeoutSeconds: plan.loadTimeoutSeconds, what: "cluster-scale load")
        let start = monotonicNanoseconds()
        try agent.write(files)
        result.loadSeconds = Double(difference(from: start, to: try loadWatch.observedNanoseconds())) / 1e9
        result.loadAppliedSeconds = try waitForPolicies(agent, since: start)
        try context.expectOtherPortBlocked()

        if !ProcessStats.waitUntilIdle(pid, timeoutSeconds: plan.workloadSettleSeconds) {
            result.notes.append("agent still reconciling \(plan.workloadSettleSeconds) s after the load; "
                                + "load CPU, RSS and time to enforce are as of then")
        }
        let cpuAfterLoad = ProcessStats.cpuNanoseconds(pid)
        let rssAfterLoad = ProcessStats.memoryKiB(pid, field: "VmRSS")
        let afterLoad = EnforceHistogram(metrics: try agent.get("/metrics"))
        result.loadEnforce = EnforceSummary(afterLoad.since(beforeLoad))
        result.counts = try StatusCounts.read(from: agent)

        let cpuBeforeChanges = ProcessStats.cpuNanoseconds(pid)
        let budgetStart = monotonicNanoseconds()
        for index in 0..<shape.changes {
            if index >= 1 && Double(monotonicNanoseconds() - budgetStart) / 1e9 > Double(shape.changeBudgetSeconds) { break }
            if !ProcessStats.waitUntilIdle(pid, timeoutSeconds: plan.settleSeconds) {
                result.notes.append("change \(index + 1) made while the agent was still busy after \(plan.settleSeconds) s")
            }
            let open = index % 2 == 1
            let changeWatch = try watch(context, until: open ? .open : .blocked, timeoutSeconds: plan.changeTimeoutSeconds,
                                        what: "cluster-scale change \(index + 1)")
            let changeStart = monotonicNanoseconds()
            try agent.write([(ClusterScaleManifests.probedFile, manifests.probed(open: open))])
            result.changeMilliseconds.append(Double(difference(from: changeStart, to: try changeWatch.observedNanoseconds())) / 1e6)
        }
        _ = ProcessStats.waitUntilIdle(pid, timeoutSeconds: plan.settleSeconds)
        result.changeEnforce = EnforceSummary(EnforceHistogram(metrics: try agent.get("/metrics")).since(afterLoad))
        result.agent = AgentUsage(pid: pid, cpuBeforeLoad: cpuBeforeLoad, cpuAfterLoad: cpuAfterLoad,
                                  rssAfterLoad: rssAfterLoad, cpuBeforeChanges: cpuBeforeChanges,
                                  changes: result.changeMilliseconds.count)
    }

    /// Seconds since `start` until the agent counts every policy (the synthetic ones, the
    /// default deny and the probed one) in force.
    private func waitForPolicies(_ agent: SluiceAgent, since start: UInt64) throws -> Double {
        let expected = Double(shape.policies + 2)
        let deadline = start + UInt64(plan.loadTimeoutSeconds) * 1_000_000_000
        while monotonicNanoseconds() < deadline {
            if try agent.metric("sluice_policies") == expected {
                return Double(monotonicNanoseconds() - start) / 1e9
            }
            pause(seconds: 0.025)
        }
        throw BenchError.notObserved(what: "sluice_policies = \(Int(expected))", afterSeconds: plan.loadTimeoutSeconds,
                                     detail: "")
    }

    private func watch(_ context: SessionContext, until state: PathState, timeoutSeconds: Int,
                       what: String) throws -> ChangeWatch {
        try ChangeWatch.start(context.loadgen, from: context.topology.client, to: context.topology.directTarget,
                              until: state, timeoutSeconds: timeoutSeconds, cgroup: nil,
                              ports: context.topology.watchPorts, what: what)
    }

    private func summary(_ result: ClusterScaleResult) -> String {
        guard result.status == .measured else { return "cluster-scale: FAILED: \(result.note ?? "")" }
        let changes = result.changeMilliseconds
        return String(format: "cluster-scale: load %.3f s, change p50 %.1f ms p99 %.1f ms (%d changes)",
                      result.loadSeconds ?? 0, percentile(changes, 0.5), percentile(changes, 0.99), changes.count)
    }
}
