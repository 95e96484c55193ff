import Foundation
import Glibc
import TestSupport

/// A node for the CNI tests: a topology's node namespace (forwarding on, no pods), a
/// scratch directory for the agent's policies, state and socket and for the plugin's
/// IPAM, and the real `sluiced` started and stopped at will. The plugin runs inside the
/// node namespace, which plays the host; nothing touches the root namespace.
/// `teardown()` stops the agent, detaches its programs and removes everything.
final class CNITestbed {
    static let network = "sluice"
    static let defaultRanges = #"[[{"subnet": "10.244.7.0/24"}], [{"subnet": "fd00:244:7::/64"}]]"#

    let topology: Topology
    let root: String
    let pins: BPFPinDirectory
    let cgroup: TestCgroup
    let port = 20000 + Int.random(in: 0..<20000)
    private var agent: ManagedProcess?
    private var pods: [CNIPodNamespace] = []

    var node: NetworkNamespace { topology.node }
    var policyDirectory: String { root + "/policies" }
    var stateDirectory: String { root + "/state" }
    var ipamDirectory: String { root + "/ipam" }
    /// Short, so it fits `sun_path`.
    var socketPath: String { root + "/cni.sock" }

    init() throws {
        topology = try makeTopology(podNames: [])
        do {
            root = NSTemporaryDirectory() + "slcni-\(topology.id)"
            try FileManager.default.createDirectory(atPath: root + "/policies", withIntermediateDirectories: true)
            pins = try BPFPinDirectory.make()
            cgroup = try TestCgroup.make()
        } catch {
            topology.teardown()
            throw error
        }
    }

    deinit {
        teardown()
    }

    // MARK: the agent

    func startAgent() throws {
        let process = try topology.node.spawn([
            try TestPaths.binary("sluiced"),
            "--node-name", topology.id,
            "--policy-dir", policyDirectory,
            "--bpf-object-dir", TestPaths.bpfObjectDirectory,
            "--pin-dir", pins.path,
            "--cgroup-path", cgroup.path,
            "--metrics-address", "127.0.0.1:\(port)",
            "--cni-socket", socketPath,
            "--state-dir", stateDirectory,
            "--log-level", "debug",
        ])
        agent = process
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw CNIAgentNotServing(log: process.stderr) }
            if (try? get("/readyz"))?.status == 200, FileManager.default.fileExists(atPath: socketPath) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CNIAgentNotServing(log: "not ready after 15 s\n" + process.stderr)
    }

    /// SIGTERM: the datapath stays attached, the socket goes.
    @discardableResult
    func stopAgent() -> Int32? {
        defer { agent = nil }
        return agent?.stop(grace: .seconds(5))
    }

    var agentLog: String { agent?.stderr ?? "" }

    func get(_ path: String) throws -> HTTPResult {
        try topology.node.httpGet("http://127.0.0.1:\(port)\(path)")
    }

    /// One sample of `/metrics`, 0 when absent.
    func metric(_ name: String) throws -> Double {
        for line in try get("/metrics").body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    func write(_ name: String, _ contents: String) throws {
        let temporary = policyDirectory + "/.\(name).tmp"
        try contents.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, policyDirectory + "/" + name) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    // MARK: the plugin

    /// A network configuration pointing at this testbed's agent and directories.
    func configuration(version: String = "1.1.0", ranges: String = CNITestbed.defaultRanges, extra: String = "") -> String {
        """
        {"cniVersion": "\(version)", "name": "\(Self.network)", "type": "sluice-cni",
         "agentSocket": "\(socketPath)", "stateDir": "\(stateDirectory)", "agentTimeoutSeconds": 20,
         "ipam": {"ranges": \(ranges), "dataDir": "\(ipamDirectory)"}\(extra)}
        """
    }

    /// The variables a runtime sets for `command` on `pod`'s interface `ifname`.
    func variables(_ command: String, container: String, pod: CNIPodNamespace?, ifname: String = "eth0",
                   podName: String? = nil) -> [String: String] {
        var variables = ["CNI_COMMAND": command, "CNI_CONTAINERID": container, "CNI_IFNAME": ifname, "CNI_PATH": "/opt/cni/bin"]
        if let pod { variables["CNI_NETNS"] = pod.path }
        if let podName { variables["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=\(podName)" }
        return variables
    }

    func plugin(_ variables: [String: String], configuration: String? = nil) throws -> CNIPluginRun {
        try CNIPluginRun.run(in: node, variables: variables, configuration: configuration ?? self.configuration(), scratch: root)
    }

    func plugin(_ command: String, container: String, pod: CNIPodNamespace?, podName: String? = nil,
                configuration: String? = nil) throws -> CNIPluginRun {
        try plugin(variables(command, container: container, pod: pod, podName: podName), configuration: configuration)
    }

    /// `configuration()` with `prevResult` set to an ADD's result, for CHECK.
    func configuration(checking add: CNIPluginRun) -> String {
        String(configuration().dropLast()) + ", \"prevResult\": \(add.stdout.trimmingCharacters(in: .whitespacesAndNewlines))}"
    }

    func makePod() throws -> CNIPodNamespace {
        let pod = try CNIPodNamespace()
        pods.append(pod)
        return pod
    }

    // MARK: what is left on the node

    /// Host veths the plugin made (`slc...`) in the node namespace.
    func hostLinks() throws -> [String] {
        let result = try topology.node.run(["ip", "-o", "link", "show"]).checked()
        return result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let name = line.split(separator: ":").dropFirst().first?.trimmingCharacters(in: .whitespaces)
                .split(separator: "@").first.map(String.init), name.hasPrefix("slc") else { return nil }
            return name
        }
    }

    /// Reserved addresses (files named after an address) in the network's IPAM directory.
    var reservations: [String] {
        names(in: ipamDirectory + "/" + Self.network).filter { $0.first?.isHexDigit == true && ($0.contains(".") || $0.contains(":")) }
    }

    var registrations: [String] { names(in: stateDirectory + "/cni/endpoints").filter { $0.hasSuffix(".json") } }
    var pendingDeletes: [String] { names(in: stateDirectory + "/cni/pending-del").filter { $0.hasSuffix(".json") } }

    private func names(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    func teardown() {
        stopAgent()
        if let sluicectl = try? TestPaths.binary("sluicectl") {
            _ = try? topology.node.run([sluicectl, "teardown", "--pin-dir", pins.path])
        }
        pods.forEach { $0.delete() }
        pods = []
        topology.teardown()
        pins.remove()
        cgroup.remove()
        try? FileManager.default.removeItem(atPath: root)
    }
}

struct CNIAgentNotServing: Error, CustomStringConvertible {
    var log: String
    var description: String { "sluiced is not serving CNI:\n\(log)" }
}
