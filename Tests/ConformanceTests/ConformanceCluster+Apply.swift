import Testing
import TestSupport

extension ConformanceCluster {
    /// The cluster of the running suite section; fails the test when there is none.
    static func inUse(sourceLocation: SourceLocation = #_sourceLocation) throws -> ConformanceCluster {
        try #require(current, "no conformance cluster: the suite needs the .conformanceCluster trait", sourceLocation: sourceLocation)
    }

    /// Back to the base layout with no policy, confirmed by the agent; returns that spec.
    @discardableResult
    func reset() throws -> ClusterSpec {
        let base = ClusterSpec.base
        try apply(base)
        state.withLock { state in
            state.lastExpected = expectedMatrix(Expectation(), pods: base.podIDs, families: .dualStack)
        }
        return base
    }

    /// One scenario from a clean start: the base layout changed by `adjust`, `policies`
    /// in force, and the matrix over `families` as `expect` says.
    func check(
        policies: [Policy], families: [AddressFamily] = .ipv4Only, adjust: (inout ClusterSpec) -> Void = { _ in },
        expect expectation: Expectation, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var spec = try reset()
        adjust(&spec)
        spec.policies = policies
        try step(to: spec, families: families, expect: expectation, sourceLocation: sourceLocation)
    }

    /// Applies `spec` on top of what is in force (a change while traffic flows) and
    /// expects the matrix. A step must be observable: its policy count changes, or
    /// its matrix differs from the last step's; otherwise it could pass with the
    /// agent ignoring the change, and is reported as a broken scenario. Only a step
    /// whose point is that nothing changes (a pod leaving must not disturb the
    /// others) says `changesMatrix: false`.
    @discardableResult
    func step(
        to spec: ClusterSpec, families: [AddressFamily] = .ipv4Only, expect expectation: Expectation,
        changesMatrix: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Bool {
        let confirmedByAgent = try apply(spec)
        let expected = expectedMatrix(expectation, pods: spec.podIDs, families: families)
        let previous = state.withLock { state in
            defer { state.lastExpected = expected }
            return state.lastExpected.filter { expected[$0.key] != nil }
        }
        if changesMatrix && !confirmedByAgent && previous == expected {
            Issue.record("scenario step expects the matrix the previous step had and keeps the policy count: it cannot show the agent applied it",
                         sourceLocation: sourceLocation)
        }
        return try self.expect(expectation, families: families, sourceLocation: sourceLocation)
    }

    /// Converges to `expectation` and records the difference as an issue when it does not.
    @discardableResult
    func expect(
        _ expectation: Expectation, families: [AddressFamily] = .ipv4Only, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Bool {
        let outcome = try converge(to: expectation, families: families, within: Self.convergenceTimeout)
        if !outcome.matched {
            Issue.record("\(outcome.report)\n\(agentLogTail())", sourceLocation: sourceLocation)
        }
        return outcome.matched
    }

    /// Makes the topology's pods and the policy directory match `spec`: new pods are
    /// started before the manifests name them, removed pods leave the topology after.
    /// When the policy count changes, waits until the agent enforces that count with
    /// no manifest in error, and returns true: the agent has read this spec.
    @discardableResult
    func apply(_ spec: ClusterSpec) throws -> Bool {
        let current = state.withLock { $0 }
        var pods = current.pods
        for id in spec.podIDs where pods[id] == nil {
            pods[id] = try Self.startPod(id, in: topology)
        }
        let files = spec.files(addresses: pods, nodeName: topology.id)
        for (name, contents) in files.sorted(by: { $0.key < $1.key }) where current.files[name] != contents {
            try agent.write(name, contents)
        }
        for name in current.files.keys.sorted() where files[name] == nil {
            try agent.remove(name)
        }
        for (id, pod) in pods.sorted(by: { $0.key < $1.key }) where spec.pods[id] == nil {
            try topology.removePod(pod)
            pods[id] = nil
        }
        state.withLock { state in
            state.spec = spec
            state.files = files
            state.pods = pods
        }
        guard spec.policies.count != current.spec.policies.count else { return false }
        try waitForAgent(policies: spec.policies.count, files: files.count)
        return true
    }

    /// Polls the agent's metrics until it enforces `policies` policies from `files` files, none in error.
    private func waitForAgent(policies: Int, files: Int) throws {
        var seen = (policies: -1.0, applied: -1.0, errors: -1.0)
        let settled = try eventually(timeout: .seconds(10)) {
            seen = (try agent.metric("sluice_policies"),
                    try agent.metric("sluice_manifest_files", ["state": "applied"]),
                    try agent.metric("sluice_manifest_files", ["state": "error"]))
            return seen == (Double(policies), Double(files), 0)
        }
        guard settled else {
            throw ConformanceError("""
                the agent did not apply the scenario: wanted \(policies) policies from \(files) files with none in error, \
                metrics say \(seen.policies) policies, \(seen.applied) files applied, \(seen.errors) in error
                \(agentLogTail())
                """)
        }
    }

    func agentLogTail(lines: Int = 20) -> String {
        let tail = agent.log.split(separator: "\n").suffix(lines)
        return "agent log (last \(tail.count) lines):\n" + tail.joined(separator: "\n")
    }
}
