import Foundation

/// One line per subject while the run goes, so a long run shows where it is.
struct ProgressLine: CustomStringConvertible {
    let result: SubjectResult

    init(_ result: SubjectResult) {
        self.result = result
    }

    var description: String {
        switch result.status {
        case .unavailable:
            return result.note ?? "not available"
        case .failed:
            return "FAILED: \(result.note ?? "")"
        case .measured:
            var parts: [String] = []
            if let control = result.controlPlane {
                parts.append(String(format: "load %.3f s, change p50 %.1f ms p99 %.1f ms", control.loadSeconds,
                                    percentile(control.changeMilliseconds, 0.5), percentile(control.changeMilliseconds, 0.99)))
            }
            let workloads = [WorkloadMetric.connectionsPerSecond, .requestP50, .throughput].compactMap { metric in
                metric.spread(result.samples).map { metric.format($0.median) }
            }
            parts.append(workloads.joined(separator: ", "))
            return parts.joined(separator: "; ")
        }
    }
}

/// Prints a line at once, even when stdout is a pipe (make, CI logs).
func say(_ text: String) {
    print(text)
    fflush(nil)
}
