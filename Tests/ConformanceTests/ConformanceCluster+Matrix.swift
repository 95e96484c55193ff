import Glibc
import TestSupport

extension ConformanceCluster {
    /// Where a run of `converge` ended.
    struct Convergence {
        let matched: Bool
        let report: String
    }

    /// The expectation as a matrix: every cell among `pods` over `families`, reachable or not.
    func expectedMatrix(_ expectation: Expectation, pods: [PodID], families: [AddressFamily]) -> [MatrixCell: Bool] {
        Dictionary(uniqueKeysWithValues: MatrixCell.all(among: pods, families: families).map { ($0, expectation.allows($0)) })
    }

    /// Measures the matrix again and again until it equals the expectation or `timeout`
    /// passes: the agent applies a change shortly after it lands, and a loaded machine
    /// can make one allowed probe miss its deadline.
    func converge(to expectation: Expectation, families: [AddressFamily], within timeout: Duration) throws -> Convergence {
        let started = ContinuousClock.now
        let pods = state.withLock { $0.spec.podIDs }
        let expected = expectedMatrix(expectation, pods: pods, families: families)
        var rounds = 0
        while true {
            let roundStarted = ContinuousClock.now
            let observed = try measure(pods: pods, families: families)
            rounds += 1
            let differing = expected.keys.filter { Reachability.verdict(observed[$0], for: $0) != expected[$0] }
            if differing.isEmpty { return Convergence(matched: true, report: "") }
            if ContinuousClock.now - started >= timeout {
                let report = Reachability(pods: pods, families: families, expected: expected, observed: observed).report(
                    differing: differing.sorted(), expectation: expectation,
                    summary: "after \(milliseconds(ContinuousClock.now - started)) ms and \(rounds) rounds "
                        + "(probe timeout \(milliseconds(Self.probeTimeout)) ms)")
                return Convergence(matched: false, report: report)
            }
            // A round where everything answered is quick; do not spin on it.
            let minimumRound = Duration.milliseconds(100)
            let elapsed = ContinuousClock.now - roundStarted
            if elapsed < minimumRound { usleep(UInt32((minimumRound - elapsed) / .microseconds(1))) }
        }
    }

    private func milliseconds(_ duration: Duration) -> Int {
        Int(duration / .milliseconds(1))
    }

    /// Probes every cell once: one `sluice-probe matrix` per source pod, all at the same time.
    func measure(pods ids: [PodID], families: [AddressFamily]) throws -> [MatrixCell: MatrixResult] {
        let pods = state.withLock { $0.pods }
        var runs: [(source: any InNetworkNamespace, targets: [MatrixTarget])] = []
        var cells: [[MatrixCell]] = []
        for from in ids {
            guard let source = pods[from] else { throw ConformanceError("pod \(from) is not in the topology") }
            var targets: [MatrixTarget] = []
            var row: [MatrixCell] = []
            for to in ids {
                guard let destination = pods[to] else { throw ConformanceError("pod \(to) is not in the topology") }
                for family in families {
                    for port in ProbePort.ordered {
                        targets.append(MatrixTarget(address: destination.address(family), port: port.number, transport: port.transport))
                        row.append(MatrixCell(from: from, to: to, port: port, family: family))
                    }
                }
            }
            runs.append((source, targets))
            cells.append(row)
        }
        let results = try probeMatrices(runs, timeout: Self.probeTimeout)
        var observed: [MatrixCell: MatrixResult] = [:]
        for (row, results) in zip(cells, results) {
            for (cell, result) in zip(row, results) {
                observed[cell] = result
            }
        }
        return observed
    }
}
