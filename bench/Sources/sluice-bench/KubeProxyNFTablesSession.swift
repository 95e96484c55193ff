import Glibc
import TestSupport

/// kube-proxy's nftables mode, as rules: N services loaded with one `nft -f` in the node
/// namespace, one service's endpoint chains rewritten in one transaction on a change.
final class KubeProxyNFTablesSession: RuleFileSession {
    let context: SessionContext
    let files: RuleFiles
    private(set) var paths: RenderedRules?

    init(_ context: SessionContext) throws {
        self.context = context
        files = try RuleFiles()
    }

    var target: String {
        "\(ScaleAddressing.clusterIP(ScaleAddressing.probedIndex(scale: context.scale))):\(ScaleAddressing.servicePort)"
    }

    func prepare() throws {
        let rules = KubeProxyNFTablesRules(scale: context.scale, probedBackends: context.topology.servers.map(\.ipv4))
        paths = RenderedRules(
            full: try files.write("full.nft", rules.fullLoad(probedOpen: true)),
            open: try files.write("open.nft", rules.probedUpdate(open: true)),
            blocked: try files.write("blocked.nft", rules.probedUpdate(open: false)))
    }

    func verifyEnforcing() throws {}

    func loadCommand(_ file: String) -> [String] { ["nft", "-f", file] }
    /// One transaction rewriting the service's endpoint chains.
    func updateCommand(_ file: String) -> [String] { ["nft", "-f", file] }
}
