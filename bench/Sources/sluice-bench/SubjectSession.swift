import Foundation
import Glibc
import TestSupport

/// One system under test at one scale on its own topology: prepared empty, loaded with
/// N objects (timed), changed one object at a time (timed), then carrying the workloads.
protocol SubjectSession: AnyObject {
    /// Where the client's workloads and the change watcher connect.
    var target: String { get }
    /// Where `target` translates to (a backend of the probed service), for the subject's
    /// `straightToBackend` row: the same workloads on the same loaded system without the
    /// translation. Nil for subjects that have no such row.
    var backendTarget: String? { get }
    /// The cgroup the client runs in (the socket load balancer's), if any.
    var clientCgroup: TestCgroup? { get }
    /// Where the client's workloads and watchers run when not in the client pod: the external
    /// client's namespace, for paths that serve clients outside the node.
    var clientNamespace: (any InNetworkNamespace)? { get }
    /// The agent's process, for memory and CPU readings, when the system has one.
    var agentPID: pid_t? { get }
    /// Puts the system in its empty state, the probed path blocked. Slow work that is not
    /// the load itself (rendering rule files, starting an agent) happens here, untimed.
    func prepare() throws
    /// The timed full load of all N objects, the way the system does it. Returns the cost
    /// of the command that did it, when one command does.
    func load() throws -> CommandCost?
    /// Once the probe saw the load: seconds since `start` until the system itself reports
    /// everything applied, when it can tell.
    func appliedAfterLoad(since start: UInt64) throws -> Double?
    /// Fails unless the loaded system actually filters (a path no object allows is blocked).
    func verifyEnforcing() throws
    /// Rewrites the probed object to open or block the path, as the system's controller would.
    func setProbed(open: Bool) throws -> CommandCost?
    /// Restarts the system's agent with everything loaded, when it has one.
    func restart() throws -> RestartCost?
    /// What to show next to a failure (the agent's log), empty when there is nothing.
    var diagnostics: String { get }
    func tearDown()
}

extension SubjectSession {
    var clientNamespace: (any InNetworkNamespace)? { nil }
    var backendTarget: String? { nil }
    func restart() throws -> RestartCost? { nil }
}

/// What a rule-loading command cost: wall time and its own CPU (user + system, which
/// includes the kernel's work on its netlink or setsockopt calls).
struct CommandCost: Codable, Sendable {
    var wallSeconds: Double
    var cpuSeconds: Double
}

/// A session's rendered rule files: the full load and the probed object's two versions.
struct RenderedRules {
    var full: String
    var open: String
    var blocked: String

    func update(open isOpen: Bool) -> String { isOpen ? open : blocked }
}

/// Rule files a session renders before its timed steps, in a temporary directory of its own.
final class RuleFiles {
    let directory: String

    init() throws {
        var template = Array((BenchEnvironment.scratchDirectory + "sluice-bench-rules.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else { throw BenchError.setup("mkdtemp: \(String(cString: strerror(errno)))") }
        directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `contents` to `name` and returns its path.
    func write(_ name: String, _ contents: String) throws -> String {
        let path = directory + "/" + name
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs a rule-loading command in the node namespace and measures it. The CPU is the
/// difference in this process's waited-for children, and nothing else is reaped meanwhile.
func runTimed(_ argv: [String], in node: NetworkNamespace, timeoutSeconds: Int) throws -> CommandCost {
    let cpuBefore = ProcessStats.waitedChildrenCPUNanoseconds()
    let start = monotonicNanoseconds()
    let result = try node.run(argv, timeout: .seconds(timeoutSeconds))
    let wall = Double(monotonicNanoseconds() - start) / 1e9
    let cpu = Double(difference(from: cpuBefore, to: ProcessStats.waitedChildrenCPUNanoseconds())) / 1e9
    guard result.succeeded else {
        throw BenchError.commandFailed(argv: argv, status: result.status, output: result.stderr + result.stdout)
    }
    return CommandCost(wallSeconds: wall, cpuSeconds: cpu)
}
