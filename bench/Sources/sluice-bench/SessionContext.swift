import TestSupport

/// What every session gets: where things are, the topology it runs on, and N.
struct SessionContext {
    let environment: BenchEnvironment
    let loadgen: Loadgen
    let topology: BenchTopology
    let scale: Int
    let plan: BenchPlan

    /// True when the client's connection to `target` completes within a short wait.
    func isOpen(_ target: String, cgroup: TestCgroup? = nil) throws -> Bool {
        let argv = [loadgen.binary, "watch", "--target", target, "--until", "open", "--timeout-ms", "300",
                    "--confirm", "1", "--first-port", String(topology.watchPorts.next)]
        let result = try topology.client.run(argv, cgroup: cgroup, timeout: .seconds(10))
        // It used at most a few hundred ports; skip past them rather than parse its output.
        topology.watchPorts.advance(to: topology.watchPorts.next + 1000)
        switch result.status {
        case 0: return true
        case 3: return false
        default: throw BenchError.commandFailed(argv: argv, status: result.status, output: result.stderr)
        }
    }

    /// A path the loaded objects do not allow (a served port no policy names) must be blocked.
    func expectOtherPortBlocked() throws {
        let other = "\(topology.servers[0].ipv4):\(ScaleAddressing.otherServedPort)"
        if try isOpen(other) {
            throw BenchError.setup("\(other) answers although no policy allows it: policies are not enforced")
        }
    }
}
