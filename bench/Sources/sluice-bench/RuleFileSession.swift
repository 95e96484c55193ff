import Glibc
import TestSupport

/// What the rule-loading subjects share (iptables policy chains, the kube-proxy shapes):
/// no agent, rules rendered into files in `prepare()`, the full load and each change of
/// the probed object one command in the node namespace.
protocol RuleFileSession: SubjectSession {
    var context: SessionContext { get }
    var files: RuleFiles { get }
    /// Set by `prepare()`.
    var paths: RenderedRules? { get }
    /// The command that loads `file` whole.
    func loadCommand(_ file: String) -> [String]
    /// The command that applies `file`, the probed object's new version.
    func updateCommand(_ file: String) -> [String]
}

extension RuleFileSession {
    var clientCgroup: TestCgroup? { nil }
    var agentPID: pid_t? { nil }

    func load() throws -> CommandCost? {
        try runTimed(loadCommand(try rendered().full), in: context.topology.node,
                     timeoutSeconds: context.plan.loadTimeoutSeconds)
    }

    func appliedAfterLoad(since start: UInt64) throws -> Double? { nil }

    func setProbed(open: Bool) throws -> CommandCost? {
        try runTimed(updateCommand(try rendered().update(open: open)), in: context.topology.node,
                     timeoutSeconds: context.plan.changeTimeoutSeconds)
    }

    var diagnostics: String { "" }

    func tearDown() {
        files.remove()
    }

    private func rendered() throws -> RenderedRules {
        guard let paths else { throw BenchError.setup("rules were not rendered") }
        return paths
    }
}
