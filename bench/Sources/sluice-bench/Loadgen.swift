import Foundation
import Glibc
import TestSupport

/// sluice-loadgen as the runner drives it: servers in the server pods, clients and
/// watchers in the client pod (or the external client's namespace), each client run one
/// JSON line on stdout. The client runs on the first CPU and the servers on the second,
/// at nice -10, so placement does not change between rows and other work on a shared
/// machine disturbs them less; the packet processing they cause runs in their context, so
/// it gets the same CPU and priority.
struct Loadgen: Sendable {
    let binary: String

    private static let cpus = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    private func prefix(cpu: Int) -> [String] {
        ["taskset", "-c", String(cpu % Self.cpus), "nice", "-n", "-10", binary]
    }

    /// Starts a server on `ports` in `pod`; the topology's teardown stops it.
    func serve(in pod: Pod, ports: [UInt16]) throws -> ManagedProcess {
        let process = try pod.spawn(prefix(cpu: 1) + ["serve"] + ports.flatMap { ["--port", String($0)] })
        try process.waitForLine("ready")
        return process
    }

    func crr(from pod: any InNetworkNamespace, to target: String, seconds: Double, cgroup: TestCgroup?) throws -> CRRResult {
        try client("crr", from: pod, to: target, seconds: seconds, cgroup: cgroup)
    }

    func rr(from pod: any InNetworkNamespace, to target: String, seconds: Double, cgroup: TestCgroup?) throws -> RRResult {
        try client("rr", from: pod, to: target, seconds: seconds, cgroup: cgroup)
    }

    func bulk(from pod: any InNetworkNamespace, to target: String, seconds: Double, cgroup: TestCgroup?) throws -> BulkResult {
        try client("bulk", from: pod, to: target, seconds: seconds, cgroup: cgroup)
    }

    private func client<Result: Decodable>(
        _ mode: String, from pod: any InNetworkNamespace, to target: String, seconds: Double, cgroup: TestCgroup?
    ) throws -> Result {
        let argv = prefix(cpu: 0) + [mode, "--target", target, "--seconds", String(seconds)]
        let result = try pod.run(argv, cgroup: cgroup, timeout: .seconds(Int(seconds) + 30))
        guard result.succeeded else {
            throw BenchError.commandFailed(argv: result.argv, status: result.status, output: result.stderr + result.stdout)
        }
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let value = try? decoder.decode(Result.self, from: Data(line.utf8)) else {
            throw BenchError.unparsable(what: "sluice-loadgen \(mode) result", output: result.stdout + result.stderr)
        }
        return value
    }
}

struct CRRResult: Decodable, Sendable {
    var seconds: Double
    var connections: Int
    var rate: Double
    var p50Us: Double
    var p99Us: Double
    var cpuNs: UInt64
}

struct RRResult: Decodable, Sendable {
    var seconds: Double
    var requests: Int
    var meanUs: Double
    var p50Us: Double
    var p99Us: Double
}

struct BulkResult: Decodable, Sendable {
    var seconds: Double
    var bytes: UInt64
    var gbitPerS: Double
}
