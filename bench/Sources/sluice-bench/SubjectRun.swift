import Glibc
import TestSupport

/// One subject at one scale, in the order that keeps each measurement clean: the full
/// load (timed by a watcher in the client pod), the workloads on the loaded system, then
/// one-object changes (timed the same way), each made once the agent, if any, is idle.
struct SubjectRun {
    let context: SessionContext
    let session: SubjectSession

    /// What one subject at one scale measured.
    struct Measurement {
        var controlPlane: ControlPlaneResult
        var samples: [WorkloadSample]
        /// The same workloads straight to the session's `backendTarget`, interleaved with
        /// `samples` (pairing with them by index); nil when it names none.
        var backendSamples: [WorkloadSample]?
    }

    /// Failures carry the session's diagnostics (the agent's log), gone once it is torn down.
    func run() throws -> Measurement {
        do {
            return try measure()
        } catch {
            let diagnostics = session.diagnostics
            guard !diagnostics.isEmpty else { throw error }
            throw BenchError.setup("\(error)\n\(diagnostics)")
        }
    }

    private var plan: BenchPlan { context.plan }

    private func measure() throws -> Measurement {
        try session.prepare()
        let pid = session.agentPID
        let cpuBeforeLoad = pid.flatMap(ProcessStats.cpuNanoseconds)
        let loadWatch = try watch(until: .open, timeoutSeconds: plan.loadTimeoutSeconds, what: "load of \(context.scale)")
        let start = monotonicNanoseconds()
        let loadCommand = try session.load()
        let observed = try loadWatch.observedNanoseconds()
        var result = ControlPlaneResult(
            loadSeconds: Double(difference(from: start, to: observed)) / 1e9,
            loadAppliedSeconds: try session.appliedAfterLoad(since: start),
            loadCommand: loadCommand, changeMilliseconds: [], changeCommandCPUMilliseconds: [], restart: nil, notes: [])
        try session.verifyEnforcing()

        // The agent's follow-up reconciles after the load are part of what the load cost.
        let settled = pid.map { ProcessStats.waitUntilIdle($0, timeoutSeconds: plan.workloadSettleSeconds) } ?? true
        if !settled {
            result.notes.append("agent still reconciling \(plan.workloadSettleSeconds) s after the load; "
                                + "load CPU and RSS are as of then")
        }
        let cpuAfterLoad = pid.flatMap(ProcessStats.cpuNanoseconds)
        let rssAfterLoad = pid.flatMap { ProcessStats.memoryKiB($0, field: "VmRSS") }
        let (samples, backendSamples) = try workloads(pausing: pid)

        let cpuBeforeChanges = try changes(into: &result, agent: pid)
        if let pid {
            result.agent = AgentUsage(pid: pid, cpuBeforeLoad: cpuBeforeLoad, cpuAfterLoad: cpuAfterLoad,
                                      rssAfterLoad: rssAfterLoad, cpuBeforeChanges: cpuBeforeChanges,
                                      changes: result.changeMilliseconds.count)
        }
        // Last: the new process has none of the readings above. A failed restart is reported
        // with the agent's log, and costs the row none of what was measured before it.
        do {
            result.restart = try session.restart()
        } catch {
            result.notes.append("restart failed: \(error)")
        }
        return Measurement(controlPlane: result, samples: samples, backendSamples: backendSamples)
    }

    /// The workloads, with the agent (if any) paused by SIGSTOP meanwhile: its pinned maps
    /// and attached programs keep enforcing, so what runs is the datapath alone, as in the
    /// kube-proxy rows, where no controller runs either. Its periodic resync would otherwise
    /// land in some repetitions and not others. With a backend target, the same workloads go
    /// there too, alternately with the target's.
    private func workloads(pausing agent: pid_t?) throws -> ([WorkloadSample], backend: [WorkloadSample]?) {
        if let agent { kill(agent, SIGSTOP) }
        defer { if let agent { kill(agent, SIGCONT) } }
        let targets = [session.target] + (session.backendTarget.map { [$0] } ?? [])
        let samples = try WorkloadRunner(context: context).run(targets: targets, cgroup: session.clientCgroup,
                                                               from: session.clientNamespace)
        return (samples[0], samples.count > 1 ? samples[1] : nil)
    }

    /// Alternately blocks and reopens the probed path, one object rewritten each time, until
    /// the plan's count or time budget. Returns the agent's CPU when the first change began.
    private func changes(into result: inout ControlPlaneResult, agent pid: pid_t?) throws -> UInt64? {
        var cpuAtStart: UInt64?
        let budgetStart = monotonicNanoseconds()
        for index in 0..<plan.changes {
            let elapsed = Double(monotonicNanoseconds() - budgetStart) / 1e9
            if index >= 1 && elapsed > Double(plan.changeBudgetSeconds) { break }
            if let pid, !ProcessStats.waitUntilIdle(pid, timeoutSeconds: plan.settleSeconds) {
                result.notes.append("change \(index + 1) made while the agent was still busy after \(plan.settleSeconds) s")
            }
            if index == 0 { cpuAtStart = pid.flatMap(ProcessStats.cpuNanoseconds) }
            let open = index % 2 == 1
            let changeWatch = try watch(until: open ? .open : .blocked, timeoutSeconds: plan.changeTimeoutSeconds,
                                        what: "change \(index + 1)")
            let start = monotonicNanoseconds()
            let cost = try session.setProbed(open: open)
            let seen = try changeWatch.observedNanoseconds()
            result.changeMilliseconds.append(Double(difference(from: start, to: seen)) / 1e6)
            if let cost { result.changeCommandCPUMilliseconds.append(cost.cpuSeconds * 1000) }
        }
        return cpuAtStart
    }

    private func watch(until state: PathState, timeoutSeconds: Int, what: String) throws -> ChangeWatch {
        try ChangeWatch.start(context.loadgen, from: session.clientNamespace ?? context.topology.client,
                              to: session.target, until: state,
                              timeoutSeconds: timeoutSeconds, cgroup: session.clientCgroup,
                              ports: context.topology.watchPorts, what: what)
    }
}
