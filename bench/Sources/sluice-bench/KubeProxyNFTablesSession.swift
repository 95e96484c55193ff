import Glibc
import TestSupport

/// kube-proxy's nftables mode, as rules: N services loaded with one `nft -f` in the node
/// namespace, one service's endpoint chains rewritten in one transaction on a change.
final class KubeProxyNFTablesSession: SubjectSession {
    private let context: SessionContext
    private let files: RuleFiles
    private var paths: RenderedRules?

    init(_ context: SessionContext) throws {
        self.context = context
        files = try RuleFiles()
    }

    var target: String {
        "\(ScaleAddressing.clusterIP(ScaleAddressing.probedIndex(scale: context.scale))):\(ScaleAddressing.servicePort)"
    }

    var clientCgroup: TestCgroup? { nil }
    var agentPID: pid_t? { nil }

    func prepare() throws {
        let rules = KubeProxyNFTablesRules(scale: context.scale, probedBackends: context.topology.servers.map(\.ipv4))
        paths = RenderedRules(
            full: try files.write("full.nft", rules.fullLoad(probedOpen: true)),
            open: try files.write("open.nft", rules.probedUpdate(open: true)),
            blocked: try files.write("blocked.nft", rules.probedUpdate(open: false)))
    }

    func load() throws -> CommandCost? {
        try runTimed(["nft", "-f", try rendered().full], in: context.topology.node,
                     timeoutSeconds: context.plan.loadTimeoutSeconds)
    }

    func appliedAfterLoad(since start: UInt64) throws -> Double? { nil }

    func verifyEnforcing() throws {}

    func setProbed(open: Bool) throws -> CommandCost? {
        let paths = try rendered()
        return try runTimed(["nft", "-f", paths.update(open: open)], in: context.topology.node,
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
