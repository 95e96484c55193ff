import ArgumentParser
import Foundation
import Glibc

/// `make bench`: Sluice against the machine's limit (nothing attached) and against
/// kube-proxy's iptables and nftables rule shapes and iptables policy chains, on the same
/// topology in one run, reported as ratios to that run's baseline.
@main
struct SluiceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice-bench",
        abstract: "Benchmarks Sluice's datapath and control plane against baselines, in network namespaces it creates.")

    @Flag(help: "Shorter run at N = 10 and 1000, under two minutes (also BENCH_QUICK=1).")
    var quick = false

    @Flag(help: "The tiny run `make test` does so this code keeps working; its numbers mean nothing.")
    var smoke = false

    @Option(help: "Where the report goes (<date>-<host>.md and .json).")
    var outputDirectory = "bench/results"

    @Option(help: "Scales N to run, comma-separated, instead of the mode's (development).")
    var scales: String?

    @Option(help: "Subject ids to run, comma-separated, and \(Self.clusterScaleID) for the cluster-scale control plane (development); the baseline always runs with a subject.")
    var only: String?

    @Flag(help: "Skip the BPF micro-benchmarks.")
    var skipMicro = false

    mutating func run() throws {
        guard getuid() == 0 else {
            // Like the privileged tests, the smoke run in `make test` is skipped without root.
            guard mode == .smoke else { throw BenchError.notRoot }
            print("sluice-bench smoke: skipped, needs root")
            return
        }
        var plan = BenchPlan(mode: mode)
        if let scales {
            plan.scales = try scales.split(separator: ",").map { text in
                guard let value = Int(text), (1...65536).contains(value) else {
                    throw BenchError.usage("--scales wants numbers from 1 to 65536, got '\(text)'")
                }
                return value
            }
        }
        let selection = only.map { Set($0.split(separator: ",").map(String.init)) }
        let environment = try BenchEnvironment.check()
        let cleanup = Cleanup.shared
        cleanup.installSignalHandlers()
        cleanup.startWatchdog(after: plan.hardLimit)

        let host = HostInfo.collect(plan: plan)
        print("sluice-bench \(plan.mode.rawValue): N = \(plan.scales.map(String.init).joined(separator: ", ")), "
              + "\(plan.repetitions) repetitions; \(host.summary)")
        let started = monotonicNanoseconds()
        var report = BenchReport(host: host)
        if !skipMicro {
            report.micro = MicroSuite(plan: plan, environment: environment).run()
        }
        let subjects = SubjectCatalog.all(environment: environment).filter { selection?.contains($0.id) ?? true }
        // `--only cluster-scale` alone runs no scale at all, not the baselines by themselves.
        if selection == nil || !subjects.isEmpty {
            report.scales = ScaleSuite(plan: plan, environment: environment, subjects: subjects).run()
        }
        if selection?.contains(Self.clusterScaleID) ?? true {
            report.clusterScale = ClusterScaleRun(plan: plan, environment: environment).run()
        }
        report.host.finish(elapsedSeconds: Double(monotonicNanoseconds() - started) / 1e9)

        let files = try report.write(to: outputDirectory)
        print(MarkdownReport(report).summaryTable)
        print("report: \(files.markdown)\n        \(files.json)")
        let failures = report.failures
        if !failures.isEmpty {
            throw BenchError.rowsFailed(failures)
        }
    }

    static let clusterScaleID = "cluster-scale"

    private var mode: BenchPlan.Mode {
        if smoke { return .smoke }
        if quick || ProcessInfo.processInfo.environment["BENCH_QUICK"].map({ !$0.isEmpty && $0 != "0" }) == true {
            return .quick
        }
        return .full
    }
}
