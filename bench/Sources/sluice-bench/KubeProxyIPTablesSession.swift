import Glibc
import TestSupport

/// kube-proxy's iptables mode, as rules: N services loaded with one iptables-restore in
/// the node namespace (where kube-proxy runs), one service's endpoints changed with the
/// partial --noflush restore kube-proxy does. The client connects to the probed cluster IP.
final class KubeProxyIPTablesSession: RuleFileSession {
    let context: SessionContext
    private let backend: IPTablesBackend
    let files: RuleFiles
    private(set) var paths: RenderedRules?

    init(_ context: SessionContext, backend: IPTablesBackend) throws {
        self.context = context
        self.backend = backend
        files = try RuleFiles()
    }

    var target: String {
        "\(ScaleAddressing.clusterIP(ScaleAddressing.probedIndex(scale: context.scale))):\(ScaleAddressing.servicePort)"
    }

    /// Empty tables: the cluster IP is not routed, so connections to it fail at once.
    func prepare() throws {
        let rules = KubeProxyIPTablesRules(scale: context.scale, probedBackends: context.topology.servers.map(\.ipv4))
        paths = RenderedRules(
            full: try files.write("full.rules", rules.fullRestore(probedOpen: true)),
            open: try files.write("open.rules", rules.probedUpdate(open: true)),
            blocked: try files.write("blocked.rules", rules.probedUpdate(open: false)))
    }

    func verifyEnforcing() throws {}

    func loadCommand(_ file: String) -> [String] { [backend.restoreCommand, file] }
    /// The partial restore kube-proxy does.
    func updateCommand(_ file: String) -> [String] { [backend.restoreCommand, "--noflush", file] }
}
