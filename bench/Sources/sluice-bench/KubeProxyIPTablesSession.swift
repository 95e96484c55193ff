import Glibc
import TestSupport

/// kube-proxy's iptables mode, as rules: N services loaded with one iptables-restore in
/// the node namespace (where kube-proxy runs), one service's endpoints changed with the
/// partial --noflush restore kube-proxy does. The client connects to the probed cluster IP.
final class KubeProxyIPTablesSession: SubjectSession {
    private let context: SessionContext
    private let backend: IPTablesBackend
    private let files: RuleFiles
    private var paths: RenderedRules?

    init(_ context: SessionContext, backend: IPTablesBackend) throws {
        self.context = context
        self.backend = backend
        files = try RuleFiles()
    }

    var target: String {
        "\(ScaleAddressing.clusterIP(ScaleAddressing.probedIndex(scale: context.scale))):\(ScaleAddressing.servicePort)"
    }

    var clientCgroup: TestCgroup? { nil }
    var agentPID: pid_t? { nil }

    /// Empty tables: the cluster IP is not routed, so connections to it fail at once.
    func prepare() throws {
        let rules = KubeProxyIPTablesRules(scale: context.scale, probedBackends: context.topology.servers.map(\.ipv4))
        paths = RenderedRules(
            full: try files.write("full.rules", rules.fullRestore(probedOpen: true)),
            open: try files.write("open.rules", rules.probedUpdate(open: true)),
            blocked: try files.write("blocked.rules", rules.probedUpdate(open: false)))
    }

    func load() throws -> CommandCost? {
        try runTimed([backend.restoreCommand, try rendered().full], in: context.topology.node,
                     timeoutSeconds: context.plan.loadTimeoutSeconds)
    }

    func appliedAfterLoad(since start: UInt64) throws -> Double? { nil }

    func verifyEnforcing() throws {}

    func setProbed(open: Bool) throws -> CommandCost? {
        let paths = try rendered()
        return try runTimed([backend.restoreCommand, "--noflush", paths.update(open: open)],
                            in: context.topology.node, timeoutSeconds: context.plan.changeTimeoutSeconds)
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
