import Foundation
import TestSupport

/// What `sluice-loadgen watch` waits for: the handshake completing, or being refused,
/// unreachable or unanswered.
enum PathState: String, Sendable {
    case open, blocked

    var opposite: PathState { self == .open ? .blocked : .open }
}

/// A `sluice-loadgen watch` running in the client pod, started before a change: it
/// reports the monotonic time of the first connection attempt that saw the change.
struct ChangeWatch {
    let process: ManagedProcess
    let awaited: PathState
    let what: String
    let timeoutSeconds: Int
    let ports: PortSequence

    /// Starts the watcher and waits until it has judged its first attempt, which must
    /// show the state before the change.
    static func start(
        _ loadgen: Loadgen, from pod: any InNetworkNamespace, to target: String, until awaited: PathState,
        timeoutSeconds: Int, cgroup: TestCgroup?, ports: PortSequence, what: String
    ) throws -> ChangeWatch {
        let argv = [loadgen.binary, "watch", "--target", target, "--until", awaited.rawValue,
                    "--timeout-ms", String(timeoutSeconds * 1000), "--first-port", String(ports.next)]
        let process = try pod.spawn(argv, cgroup: cgroup)
        do {
            try process.waitForOutput(containing: "ready ", timeout: .seconds(5))
        } catch {
            process.stop()
            throw error
        }
        // "ready STATE DETAIL": what the first attempt saw, and how (connected, or the error).
        let line = process.stdout.split(separator: "\n").first { $0.hasPrefix("ready ") } ?? ""
        let seen = line.split(separator: " ", maxSplits: 2).dropFirst()
        guard seen.first.map(String.init) == awaited.opposite.rawValue else {
            process.stop()
            throw BenchError.unexpectedState(what: "\(what) (\(target))", expected: awaited.opposite.rawValue,
                                             saw: seen.joined(separator: ": "))
        }
        return ChangeWatch(process: process, awaited: awaited, what: what, timeoutSeconds: timeoutSeconds, ports: ports)
    }

    /// Waits for the watcher to see the awaited state; its CLOCK_MONOTONIC time in ns.
    func observedNanoseconds() throws -> UInt64 {
        guard let status = process.waitForExit(timeout: .seconds(timeoutSeconds + 5)) else {
            process.stop()
            throw BenchError.notObserved(what: "\(what): \(awaited.rawValue)", afterSeconds: timeoutSeconds,
                                         detail: "watcher did not exit")
        }
        let output = process.stdout
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        struct Observation: Decodable {
            var observed: Bool
            var observedNs: UInt64?
            var attempts: Int
            var nextPort: Int
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let observation = try? decoder.decode(Observation.self, from: Data(line.utf8)) else {
            throw BenchError.unparsable(what: "watch result (exit \(status))", output: output + process.stderr)
        }
        ports.advance(to: observation.nextPort)
        guard observation.observed, let nanoseconds = observation.observedNs else {
            throw BenchError.notObserved(what: "\(what): \(awaited.rawValue)", afterSeconds: timeoutSeconds,
                                         detail: "\(observation.attempts) connection attempts saw the old state")
        }
        return nanoseconds
    }
}
