import Glibc
import TestSupport

/// NetworkPolicy the iptables way: the servers' new connections walk a chain of N allow
/// rules (the client's last) after an ESTABLISHED accept, loaded with one iptables-restore;
/// a change rewrites the chain whole, as iptables policy controllers do.
final class IPTablesPolicySession: RuleFileSession {
    let context: SessionContext
    private let backend: IPTablesBackend
    let files: RuleFiles
    private(set) var paths: RenderedRules?

    init(_ context: SessionContext, backend: IPTablesBackend) throws {
        self.context = context
        self.backend = backend
        files = try RuleFiles()
    }

    var target: String { context.topology.directTarget }

    /// The chain holds only its drop: the servers start default-deny, as under Sluice.
    func prepare() throws {
        let topology = context.topology
        let rules = IPTablesPolicyRules(scale: context.scale, client: topology.client.ipv4,
                                        servers: topology.servers.map(\.ipv4))
        let deny = try files.write("deny.rules", rules.denyAll())
        paths = RenderedRules(
            full: try files.write("full.rules", rules.fullRestore(probedOpen: true)),
            open: try files.write("open.rules", rules.probedUpdate(open: true)),
            blocked: try files.write("blocked.rules", rules.probedUpdate(open: false)))
        _ = try runTimed([backend.restoreCommand, deny], in: topology.node, timeoutSeconds: context.plan.loadTimeoutSeconds)
    }

    func verifyEnforcing() throws {
        try context.expectOtherPortBlocked()
    }

    func loadCommand(_ file: String) -> [String] { [backend.restoreCommand, file] }
    func updateCommand(_ file: String) -> [String] { [backend.restoreCommand, "--noflush", file] }
}
