import Foundation

/// Issue #4's target at one scale: connection setup through a service's cluster IP against
/// straight to its backend, on the same loaded agent, from the two rows measured alternately
/// (a row and the companion whose `pairedWith` names it). Within 10%: conn/s at least 0.9×
/// and crr p50 at most 1.1× the direct connection's, as medians of the paired repetitions.
struct ServiceTranslationCost {
    /// Cluster IP ÷ straight to the backend, per workload metric.
    let ratios: [WorkloadMetric: Spread]

    /// Nil unless this scale measured a service row and its straight-to-the-backend companion.
    init?(_ scale: ScaleResult) {
        guard let direct = scale.subjects.first(where: { $0.pairedWith != nil && $0.status == .measured }),
              let service = scale.subjects.first(where: { $0.id == direct.pairedWith && $0.status == .measured })
        else { return nil }
        var ratios: [WorkloadMetric: Spread] = [:]
        for metric in WorkloadMetric.allCases {
            ratios[metric] = metric.pairedRatio(service.samples, to: direct.samples)
        }
        self.ratios = ratios
    }

    var connectionSetupMet: Bool? {
        guard let rate = ratios[.connectionsPerSecond], let latency = ratios[.connectionP50] else { return nil }
        return rate.median >= 0.9 && latency.median <= 1.1
    }

    /// "conn/s 0.95× (0.93–0.97), crr p50 1.04× (…)": the cluster IP ÷ straight to the backend.
    var connectionSetupCell: String {
        cell([.connectionsPerSecond, .connectionP50]) + " (cluster IP ÷ backend, paired repetitions)"
    }

    var otherWorkloadsCell: String {
        cell([.cpuPerConnection, .requestP50, .throughput])
    }

    private func cell(_ metrics: [WorkloadMetric]) -> String {
        metrics.map { metric in
            ratios[metric].map { metric.title + String(format: " %.2f× (%.2f–%.2f)", $0.median, $0.min, $0.max) }
                ?? metric.title + " —"
        }.joined(separator: ", ")
    }
}
