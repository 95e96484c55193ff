import Foundation
import Glibc
import Synchronization

/// The real `sluiced` binary, run inside a topology's node namespace on a
/// policy directory of its own, with its own pins. `stop()` sends SIGTERM;
/// `teardown()` also detaches its programs and removes its pins.
public final class RunningAgent: Sendable {
    public let topology: Topology
    public let policyDirectory: String
    /// `--state-dir`, holding the agent's CNI socket too.
    public let stateDirectory: String
    public let pins: BPFPinDirectory
    /// Socket hooks go on a child cgroup of the test's, never on the root.
    public let cgroup: TestCgroup
    public let port: Int
    public let nodeName: String
    private let argv: [String]
    /// Replaced by `restart()`.
    private let current: Mutex<ManagedProcess>
    private var process: ManagedProcess { current.withLock { $0 } }

    /// `arguments` are extra sluiced flags; `launcher` runs before sluiced and execs it
    /// (`prlimit …`), at a restart too. With `waitForDirectory`, the policy directory is not created and the
    /// agent is awaited alive, not ready.
    public init(topology: Topology, files: [String: String] = [:], arguments: [String] = [],
                launcher: [String] = [], waitForDirectory: Bool = false) throws {
        self.topology = topology
        nodeName = topology.id
        policyDirectory = NSTemporaryDirectory() + "sluice-e2e-\(topology.id)"
        stateDirectory = NSTemporaryDirectory() + "sluice-e2e-state-\(topology.id)"
        if !waitForDirectory {
            try FileManager.default.createDirectory(atPath: policyDirectory, withIntermediateDirectories: true)
        }
        pins = try BPFPinDirectory.make()
        cgroup = try TestCgroup.make()
        port = 20000 + Int.random(in: 0..<20000)
        for (name, contents) in files {
            try contents.write(toFile: policyDirectory + "/" + name, atomically: true, encoding: .utf8)
        }
        argv = launcher + [
            try TestPaths.binary("sluiced"),
            "--node-name", nodeName,
            "--policy-dir", policyDirectory,
            "--bpf-object-dir", TestPaths.bpfObjectDirectory,
            "--pin-dir", pins.path,
            "--cgroup-path", cgroup.path,
            "--metrics-address", "127.0.0.1:\(port)",
            // Per agent, so parallel tests never share the host's CNI socket or state.
            "--cni-socket", stateDirectory + "/cni.sock",
            "--state-dir", stateDirectory,
            "--log-level", "debug",
        ] + arguments
        current = Mutex(try topology.node.spawn(argv))
        try waitUntil(waitForDirectory ? "/healthz" : "/readyz")
    }

    /// SIGKILL, as a crash or an OOM kill ends the agent: nothing of it runs after.
    public func kill() {
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: .seconds(5))
    }

    /// Starts the same agent again (same flags, pins and policy directory, plus
    /// `arguments`) and waits until it is ready.
    public func restart(adding arguments: [String] = []) throws {
        let next = try topology.node.spawn(argv + arguments)
        current.withLock { $0 = next }
        try waitUntil("/readyz")
    }

    deinit {
        teardown()
    }

    public func write(_ name: String, _ contents: String) throws {
        // Write then rename, as editors and ConfigMap updates do.
        let temporary = policyDirectory + "/.\(name).tmp"
        try contents.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, policyDirectory + "/" + name) == 0 else {
            throw CocoaError(.fileWriteUnknown)
        }
    }

    public func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: policyDirectory + "/" + name)
    }

    public func get(_ path: String) throws -> HTTPResult {
        try topology.node.httpGet("http://127.0.0.1:\(port)\(path)")
    }

    /// The value of one sample of `/metrics`, 0 when absent.
    public func metric(_ name: String, _ labels: [String: String] = [:]) throws -> Double {
        let rendered = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
        for line in try get("/metrics").body.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            if rendered.allSatisfy({ parts[0].contains($0) }) { return value }
        }
        return 0
    }

    public var log: String { process.stderr }

    /// Until `path` answers 200 (`/readyz`: the first full sync is done).
    private func waitUntil(_ path: String) throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                throw AgentExited(log: process.stderr)
            }
            if (try? get(path))?.status == 200 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw AgentExited(log: "\(path) not 200 after 15 s\n" + process.stderr)
    }

    /// SIGTERM; returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        process.stop(grace: .seconds(5))
    }

    public var isRunning: Bool { process.isRunning }

    /// The first line of the agent's /proc/PID/`file` that starts with `prefix`.
    private func procLine(_ file: String, _ prefix: String) -> Substring? {
        guard let text = try? String(contentsOfFile: "/proc/\(process.pid)/\(file)", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }
    }

    /// A line of the agent's /proc/PID/limits ("Max open files ..."), nil once it is gone.
    public func limit(_ name: String) -> String? {
        procLine("limits", name).map(String.init)
    }

    /// The agent's resident memory in KiB (VmRSS), nil once it is gone.
    public var residentKiB: Int? {
        procLine("status", "VmRSS:").flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }

    public func teardown() {
        process.stop(grace: .seconds(5))
        if let sluicectl = try? TestPaths.binary("sluicectl") {
            _ = try? topology.node.run([sluicectl, "teardown", "--pin-dir", pins.path])
        }
        pins.remove()
        cgroup.remove()
        try? FileManager.default.removeItem(atPath: policyDirectory)
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }
}

public struct AgentExited: Error, CustomStringConvertible {
    public var log: String

    public init(log: String) {
        self.log = log
    }

    public var description: String { "sluiced is not serving:\n\(log)" }
}

/// Polls `condition` until it holds or `timeout` passes; the last value is returned.
@discardableResult
public func eventually(timeout: Duration = .seconds(5), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
