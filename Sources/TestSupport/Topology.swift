import Synchronization

/// A node namespace and pods attached to it by veth pairs, with IPv4 and IPv6
/// routed between them through the node. Everything lives in namespaces the
/// topology created; `teardown()` (or `deinit`) stops the processes started in
/// them and deletes the namespaces, which removes the veths and routes with them.
///
///     let topology = try makeTopology(podNames: ["client", "server"])
///     defer { topology.teardown() }
///     try topology.pods[1].serve(tcp: [80])
///     let result = try topology.pods[0].tcp(to: topology.pods[1].ipv4, port: 80)
public final class Topology: Sendable {
    /// The random prefix of every name this topology made (e.g. `slq3x7a`).
    public let id: String
    /// The node's namespace (`<id>-node`): where the agent runs and host veths live.
    public let node: NetworkNamespace
    public let nodeIPv4 = TopologyAddressing.nodeIPv4
    public let nodeIPv6 = TopologyAddressing.nodeIPv6

    private let processes: ProcessRegistry
    private let state = Mutex(State())

    private struct State {
        var pods: [Pod] = []
        var nextIndex = 0
        var tornDown = false
    }

    init(id: String, node: NetworkNamespace, processes: ProcessRegistry) {
        self.id = id
        self.node = node
        self.processes = processes
    }

    deinit {
        teardown()
    }

    /// The pods, in the order they were added.
    public var pods: [Pod] { state.withLock { $0.pods } }

    public func pod(named name: String) -> Pod? {
        pods.first { $0.name == name }
    }

    /// Adds a pod named `name` (lowercase letters, digits and '-') with the next free addresses.
    @discardableResult
    public func addPod(named name: String) throws(TestSupportError) -> Pod {
        guard !name.isEmpty, name.count <= 40, name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }),
              pod(named: name) == nil
        else { throw .invalidArgument("pod name '\(name)' is invalid or taken") }
        let index = state.withLock { state in
            defer { state.nextIndex += 1 }
            return state.nextIndex
        }
        guard index <= TopologyAddressing.maximumPodIndex else {
            throw .invalidArgument("no addresses left for pod '\(name)'")
        }
        guard let netns = try NetworkNamespace.create(named: "\(id)-\(name)", processes: processes) else {
            throw .namesExhausted(prefix: "\(id)-\(name)", attempts: 1)
        }
        let pod = Pod(
            name: name, netns: netns, hostInterface: "\(id)h\(index)",
            ipv4: TopologyAddressing.podIPv4(index: index), ipv6: TopologyAddressing.podIPv6(index: index))
        do {
            try netns.setSysctls(TopologyAddressing.podSysctls)
            try node.ipBatch(TopologyAddressing.nodeCommands(
                pod: netns.name, hostInterface: pod.hostInterface, ipv4: pod.ipv4, ipv6: pod.ipv6))
            try netns.ipBatch(TopologyAddressing.podCommands(ipv4: pod.ipv4, ipv6: pod.ipv6))
        } catch {
            try? netns.delete()
            throw error
        }
        state.withLock { $0.pods.append(pod) }
        return pod
    }

    /// Removes a pod as a CNI DEL would: its processes stop, its host veth and
    /// routes leave the node at once, then its namespace is deleted.
    public func removePod(_ pod: Pod) throws(TestSupportError) {
        state.withLock { $0.pods.removeAll { $0.name == pod.name } }
        processes.stop(in: pod.netns.name)
        try run(["ip", "-n", node.name, "link", "delete", pod.hostInterface]).checked()
        try pod.netns.delete()
    }

    /// Stops every process started in the topology and deletes its namespaces.
    /// Safe to call more than once; failures are printed, not thrown, so cleanup goes on.
    public func teardown() {
        let pods: [Pod]? = state.withLock { state in
            guard !state.tornDown else { return nil }
            state.tornDown = true
            defer { state.pods = [] }
            return state.pods
        }
        guard let pods else { return }
        processes.stop()
        for namespace in pods.map(\.netns) + [node] {
            do {
                try namespace.delete()
            } catch {
                reportCleanupFailure("deleting namespace \(namespace.name): \(error)")
            }
        }
    }
}
