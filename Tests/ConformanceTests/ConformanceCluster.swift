import Foundation
import Glibc
import Synchronization
import Testing
import TestSupport

/// The conformance layout running for real: one topology with a pod per `ClusterSpec`
/// pod (network namespace `x-a` for pod a of namespace x), a server answering on
/// ports 80 and 81 over TCP and UDP in each, and the real `sluiced` enforcing the
/// policy directory that the applied spec is written as. A suite section builds
/// one (see `ConformanceClusterTrait`) and runs its scenarios on it in turn, each
/// starting from `reset()`.
final class ConformanceCluster: Sendable {
    /// The cluster of the suite section running now.
    @TaskLocal static var current: ConformanceCluster?

    /// How long a probe waits for an answer; what a dropped cell costs per round.
    static let probeTimeout: Duration = .milliseconds(
        ProcessInfo.processInfo.environment["SLUICE_CONFORMANCE_PROBE_MS"].flatMap { Int($0) } ?? 300)
    /// How long a scenario may take to reach its matrix after a change.
    static let convergenceTimeout: Duration = .seconds(5)

    let topology: Topology
    let agent: RunningAgent
    let state: Mutex<State>

    struct State {
        /// What is applied: the topology's pods and the policy directory's files follow it.
        var spec: ClusterSpec
        var files: [String: String]
        var pods: [PodID: TestSupport.Pod]
        /// The matrix the last step expected, to notice a step that could pass without the agent acting.
        var lastExpected: [MatrixCell: Bool] = [:]
    }

    private init(topology: Topology, agent: RunningAgent, state: State) {
        self.topology = topology
        self.agent = agent
        self.state = Mutex(state)
    }

    /// Builds the base layout, starts the agent on it and waits until every pod
    /// reaches every other: before any policy, anything less means the fixture is broken.
    static func make() throws -> ConformanceCluster {
        let base = ClusterSpec.base
        let topology = try makeTopology(podNames: base.podIDs.map(\.topologyName))
        var agent: RunningAgent?
        do {
            var pods: [PodID: TestSupport.Pod] = [:]
            for id in base.podIDs {
                pods[id] = try startPod(id, in: topology)
            }
            let files = base.files(addresses: pods, nodeName: topology.id)
            let running = try RunningAgent(topology: topology, files: files)
            agent = running
            let cluster = ConformanceCluster(topology: topology, agent: running, state: State(spec: base, files: files, pods: pods))
            let baseline = try cluster.converge(to: Expectation(), families: .dualStack, within: .seconds(10))
            guard baseline.matched else {
                throw ConformanceError("without policies not every pod reaches every other:\n\(baseline.report)")
            }
            return cluster
        } catch {
            agent?.teardown()
            topology.teardown()
            throw error
        }
    }

    /// Stops the agent (removing its programs and pins), then the pods and servers.
    func teardown() {
        agent.teardown()
        topology.teardown()
    }

    /// The topology pod for `id` with its servers running.
    static func startPod(_ id: PodID, in topology: Topology) throws -> TestSupport.Pod {
        let pod = try topology.pod(named: id.topologyName) ?? topology.addPod(named: id.topologyName)
        try pod.serve(tcp: ProbePort.tcp.map(\.number).sorted(), udp: ProbePort.udp.map(\.number).sorted())
        return pod
    }
}

/// A broken fixture or a scenario that cannot be set up, with what was seen.
struct ConformanceError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension [AddressFamily] {
    static let dualStack = AddressFamily.allCases
    static let ipv4Only: [AddressFamily] = [.ipv4]
}
