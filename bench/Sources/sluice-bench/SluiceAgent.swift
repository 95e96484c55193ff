import Foundation
import Glibc
import TestSupport

/// The release `sluiced` in a topology's node namespace on a policy directory, pins
/// and cgroup of its own. Unlike the tests' RunningAgent it logs at info level (debug
/// logging would be measured too) and exposes its pid for memory and CPU readings.
final class SluiceAgent {
    let policyDirectory: String
    let pins: BPFPinDirectory
    /// Socket hooks attach here; clients of the socket load balancer run inside it.
    let cgroup: TestCgroup
    private let node: NetworkNamespace
    private let environment: BenchEnvironment
    private let port: Int
    private var process: ManagedProcess
    private let argv: [String]
    private let cleanupID: Int

    /// `arguments` are added to sluiced's command line (`--nodeport-interfaces`, map sizes).
    init(environment: BenchEnvironment, topology: Topology, files: [String: String], arguments: [String] = []) throws {
        self.environment = environment
        let node = topology.node
        self.node = node
        policyDirectory = BenchEnvironment.scratchDirectory + "sluice-bench-\(topology.id)"
        let pins = try BPFPinDirectory.make()
        let cgroup: TestCgroup
        do {
            cgroup = try TestCgroup.make()
        } catch {
            pins.remove()
            throw error
        }
        self.pins = pins
        self.cgroup = cgroup
        let directory = policyDirectory
        let cleanupID = Cleanup.shared.register {
            pins.remove()
            cgroup.remove()
            try? FileManager.default.removeItem(atPath: directory)
        }
        self.cleanupID = cleanupID
        let port = 20000 + Int.random(in: 0..<20000)
        let argv = [
            environment.sluiced,
            "--node-name", topology.id,
            "--policy-dir", policyDirectory,
            "--bpf-object-dir", environment.bpfDirectory,
            "--pin-dir", pins.path,
            "--cgroup-path", cgroup.path,
            "--metrics-address", "127.0.0.1:\(port)",
            "--log-level", "info",
        ] + arguments
        self.port = port
        self.argv = argv
        var started: ManagedProcess?
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, contents) in files {
                try contents.write(toFile: policyDirectory + "/" + name, atomically: true, encoding: .utf8)
            }
            let process = try topology.node.spawn(argv)
            started = process
            try Self.waitUntilReady(process, node: node, port: port, timeoutSeconds: 30)
            self.process = process
        } catch {
            started?.stop(grace: .seconds(5))
            _ = try? node.run([environment.sluicectl, "teardown", "--pin-dir", pins.path])
            Cleanup.shared.done(cleanupID)
            pins.remove()
            cgroup.remove()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    var pid: pid_t { process.pid }

    /// Writes each file to a dotfile then renames it into place, as ConfigMap updates and
    /// editors do, so the agent never reads half a file.
    func write(_ files: [(name: String, contents: String)]) throws {
        for (name, contents) in files {
            let temporary = policyDirectory + "/.\(name).tmp"
            try contents.write(toFile: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary, policyDirectory + "/" + name) == 0 else {
                throw BenchError.setup("rename \(temporary): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The body of `GET path` from the agent's API (`/metrics`, `/v1/status`).
    func get(_ path: String) throws -> String {
        try node.httpGet("http://127.0.0.1:\(port)\(path)").body
    }

    /// One sample of /metrics (unlabelled), nil when absent.
    func metric(_ name: String) throws -> Double? {
        for line in try get("/metrics").split(separator: "\n") where line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    var log: String { process.stderr }

    /// Stops the agent (SIGTERM: its pins and programs stay) and starts it again on the same
    /// pins and directory, as an upgrade does; measured until the new one is ready.
    func restart() throws -> RestartCost {
        process.stop(grace: .seconds(5))
        let start = monotonicNanoseconds()
        let next = try node.spawn(argv)
        process = next
        try Self.waitUntilReady(next, node: node, port: port, timeoutSeconds: 60)
        let ready = monotonicNanoseconds()
        return RestartCost(readySeconds: Double(difference(from: start, to: ready)) / 1e9,
                           agentCPUSeconds: ProcessStats.cpuNanoseconds(next.pid).map { Double($0) / 1e9 })
    }

    /// Stops the agent, detaches its programs and removes its pins, cgroup and directory.
    func tearDown() {
        process.stop(grace: .seconds(5))
        _ = try? node.run([environment.sluicectl, "teardown", "--pin-dir", pins.path])
        pins.remove()
        cgroup.remove()
        try? FileManager.default.removeItem(atPath: policyDirectory)
        Cleanup.shared.done(cleanupID)
    }

    private static func waitUntilReady(_ process: ManagedProcess, node: NetworkNamespace, port: Int,
                                       timeoutSeconds: Int) throws {
        let deadline = monotonicNanoseconds() + UInt64(timeoutSeconds) * 1_000_000_000
        while monotonicNanoseconds() < deadline {
            guard process.isRunning else { throw BenchError.setup("sluiced exited:\n\(process.stderr.suffix(4000))") }
            if (try? node.httpGet("http://127.0.0.1:\(port)/readyz"))?.status == 200 { return }
            pause(seconds: 0.05)
        }
        throw BenchError.setup("sluiced not ready after \(timeoutSeconds) s:\n\(process.stderr.suffix(4000))")
    }
}
