/// Many probes at once through `sluice-probe matrix`: a denied probe costs its
/// whole timeout, so a reachability matrix is measured with one concurrent run
/// per source instead of one probe after another.
extension InNetworkNamespace {
    /// Probes every target concurrently from inside this namespace, each bounded by `timeout`.
    /// The results come back in the order of `targets`.
    public func probeMatrix(
        _ targets: [MatrixTarget], timeout: Duration = .milliseconds(300)
    ) throws(TestSupportError) -> [MatrixResult] {
        try probeMatrices([(self, targets)], timeout: timeout)[0]
    }
}

/// Runs one `sluice-probe matrix` per source, all at the same time, and waits for
/// every one; the results are in the order of `runs`, then of each run's targets.
public func probeMatrices(
    _ runs: [(source: any InNetworkNamespace, targets: [MatrixTarget])], timeout: Duration = .milliseconds(300)
) throws(TestSupportError) -> [[MatrixResult]] {
    let probe = try TestPaths.binary("sluice-probe")
    // ManagedProcess stops in deinit: a throw below leaves no probe behind.
    var processes: [ManagedProcess?] = []
    for run in runs {
        let argv = [probe, "matrix", "--timeout-ms", String(timeout.milliseconds)] + run.targets.flatMap(\.arguments)
        processes.append(run.targets.isEmpty ? nil : try ManagedProcess(run.source.command(argv)))
    }
    var results: [[MatrixResult]] = []
    for (run, process) in zip(runs, processes) {
        results.append(try process.map { process throws(TestSupportError) in
            try collect(process, targets: run.targets, timeout: timeout)
        } ?? [])
    }
    return results
}

/// Waits for one matrix process (its own deadline plus slack for start-up) and parses its lines.
private func collect(
    _ process: ManagedProcess, targets: [MatrixTarget], timeout: Duration
) throws(TestSupportError) -> [MatrixResult] {
    let limit = timeout + .seconds(10)
    guard let status = process.waitForExit(timeout: limit) else {
        process.stop()
        throw .timedOut(argv: process.argv, after: limit, output: process.stdout + process.stderr)
    }
    let output = process.stdout
    guard status == 0 else { throw .commandFailed(argv: process.argv, status: status, stderr: process.stderr) }
    let lines = output.split(separator: "\n")
    guard lines.count == targets.count else {
        throw .commandFailed(argv: process.argv, status: status,
                             stderr: "\(lines.count) lines for \(targets.count) targets:\n\(output)")
    }
    var results: [MatrixResult] = []
    for (line, target) in zip(lines, targets) {
        guard let result = MatrixResult(line: line, target: target) else {
            throw .commandFailed(argv: process.argv, status: status, stderr: "unparsable line for \(target): '\(line)'")
        }
        results.append(result)
    }
    return results
}
