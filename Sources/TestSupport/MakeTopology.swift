/// A topology with pods named `pod0`, `pod1`, … Call `teardown()` when done (or use `withTopology`).
public func makeTopology(podCount: Int = 2) throws(TestSupportError) -> Topology {
    try makeTopology(podNames: (0..<podCount).map { "pod\($0)" })
}

/// A topology with one pod per name; names are lowercase letters, digits and '-'.
public func makeTopology(podNames: [String]) throws(TestSupportError) -> Topology {
    let processes = ProcessRegistry()
    let attempts = 8
    for _ in 0..<attempts {
        let id = randomName()
        guard let node = try NetworkNamespace.create(named: "\(id)-node", processes: processes) else { continue }
        let topology = Topology(id: id, node: node, processes: processes)
        do {
            try node.setSysctls(TopologyAddressing.nodeSysctls)
            try node.ipBatch(TopologyAddressing.nodeSetup)
            for name in podNames {
                try topology.addPod(named: name)
            }
        } catch {
            topology.teardown()
            throw error
        }
        return topology
    }
    throw .namesExhausted(prefix: "sl", attempts: attempts)
}

/// Runs `body` with a fresh topology and tears it down afterwards, also when `body` throws.
public func withTopology<Result>(
    podNames: [String] = ["pod0", "pod1"], _ body: (Topology) throws -> Result
) throws -> Result {
    let topology = try makeTopology(podNames: podNames)
    defer { topology.teardown() }
    return try body(topology)
}

/// Runs `body` with a fresh topology and tears it down afterwards, also when `body` throws.
public func withTopology<Result>(
    podNames: [String] = ["pod0", "pod1"], _ body: (Topology) async throws -> Result
) async throws -> Result {
    let topology = try makeTopology(podNames: podNames)
    defer { topology.teardown() }
    return try await body(topology)
}
