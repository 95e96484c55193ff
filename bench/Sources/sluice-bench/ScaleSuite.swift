import Foundation
import TestSupport

/// Every subject at every scale, each on a fresh topology: control plane first (load,
/// changes), then the workloads on the loaded system. The baseline runs first at each
/// scale, and again last in full runs, so ratios compare measurements minutes apart.
struct ScaleSuite {
    let plan: BenchPlan
    let environment: BenchEnvironment
    let subjects: [Subject]

    private var loadgen: Loadgen { Loadgen(binary: environment.loadgen) }

    func run() -> [ScaleResult] {
        let wanted = [Subject.Baseline.pod] + (subjects.contains { $0.baseline == .external } ? [.external] : [])
        return plan.scales.map { scale in
            say("N = \(scale)")
            var baselines = wanted.map { measureBaseline($0, scale: scale) }
            let results = subjects.flatMap { measure($0, scale: scale) }
            if plan.baselineAtEnd {
                for index in baselines.indices where baselines[index].status == .measured {
                    let again = measureBaseline(wanted[index], scale: scale)
                    if again.status == .measured {
                        baselines[index].samples += again.samples
                    } else {
                        baselines[index].status = again.status
                        baselines[index].note = again.note
                    }
                }
            }
            return ScaleResult(scale: scale, baseline: baselines[0], externalBaseline: baselines.count > 1 ? baselines[1] : nil,
                               subjects: results)
        }
    }

    private func measureBaseline(_ which: Subject.Baseline, scale: Int) -> SubjectResult {
        // A baseline has no session, hence no companion row: its one result.
        measure(SubjectCatalog.baseline(which), scale: scale)[0]
    }

    /// The subject's row, then its companion's when one was measured.
    private func measure(_ subject: Subject, scale: Int) -> [SubjectResult] {
        var result = SubjectResult(id: subject.id, title: subject.title, kind: subject.kind,
                                   baseline: subject.kind == .baseline ? nil : subject.baseline, status: .measured,
                                   samples: [])
        var companion: SubjectResult?
        if let reason = subject.unavailableReason {
            result.status = .unavailable
            result.note = reason
            say("  \(subject.id): \(reason)")
            return [result]
        }
        let started = monotonicNanoseconds()
        do {
            let topology = try BenchTopology(loadgen: loadgen)
            defer { topology.tearDown() }
            let context = SessionContext(environment: environment, loadgen: loadgen, topology: topology, scale: scale,
                                         plan: plan)
            if let makeSession = subject.makeSession {
                let session = try makeSession(context)
                defer { session.tearDown() }
                let measured = try SubjectRun(context: context, session: session).run()
                (result.controlPlane, result.samples) = (measured.controlPlane, measured.samples)
                if let row = subject.straightToBackend, let backendSamples = measured.backendSamples {
                    companion = SubjectResult(id: row.id, title: row.title, kind: subject.kind, baseline: subject.baseline,
                                              status: .measured, pairedWith: subject.id, samples: backendSamples)
                }
            } else if subject.baseline == .external {
                let external = try topology.externalClient()
                result.samples = try WorkloadRunner(context: context).run(target: topology.directTarget, cgroup: nil,
                                                                          from: external.namespace)
            } else {
                result.samples = try WorkloadRunner(context: context).run(target: topology.directTarget, cgroup: nil)
            }
        } catch {
            result.status = .failed
            result.note = "\(error)"
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        say("  \(subject.id): \(ProgressLine(result)) (\(String(format: "%.1f", seconds)) s)")
        if let companion {
            say("  \(companion.id): \(ProgressLine(companion))")
        }
        return [result] + (companion.map { [$0] } ?? [])
    }
}
