/// Median, min and max of repetitions: what every reported number is made of.
struct Spread: Codable, Sendable {
    var median: Double
    var min: Double
    var max: Double

    init?(_ values: [Double]) {
        guard let low = values.min(), let high = values.max() else { return nil }
        median = sluice_bench.median(values)
        min = low
        max = high
    }

    /// The spread relative to a reference value (the baseline's median).
    func ratio(to reference: Double) -> Spread? {
        guard reference > 0 else { return nil }
        var scaled = self
        scaled.median /= reference
        scaled.min /= reference
        scaled.max /= reference
        return scaled
    }
}

/// The middle value (the mean of the two middle ones for an even count); 0 when empty.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Nearest-rank percentile (`fraction` 0...1); 0 when empty.
func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// The workload metrics a report shows, each read from a sample.
enum WorkloadMetric: CaseIterable, Sendable {
    case connectionsPerSecond, connectionP50, cpuPerConnection, requestP50, requestP99, throughput

    var title: String {
        switch self {
        case .connectionsPerSecond: "conn/s"
        case .connectionP50: "crr p50"
        case .cpuPerConnection: "CPU/conn"
        case .requestP50: "RR p50"
        case .requestP99: "RR p99"
        case .throughput: "throughput"
        }
    }

    /// Whether a larger value is better (rates) or worse (latency, CPU).
    var higherIsBetter: Bool {
        self == .connectionsPerSecond || self == .throughput
    }

    func value(_ sample: WorkloadSample) -> Double {
        switch self {
        case .connectionsPerSecond: sample.connectionsPerSecond
        case .connectionP50: sample.connectionP50Us
        case .cpuPerConnection: sample.cpuPerConnectionUs
        case .requestP50: sample.requestP50Us
        case .requestP99: sample.requestP99Us
        case .throughput: sample.throughputGbitPerSecond
        }
    }

    func spread(_ samples: [WorkloadSample]) -> Spread? {
        Spread(samples.map(value))
    }

    /// Repetition by repetition, `samples` ÷ `reference`, for two rows measured alternately
    /// (`SubjectResult.pairedWith`); nil unless they pair up one to one.
    func pairedRatio(_ samples: [WorkloadSample], to reference: [WorkloadSample]) -> Spread? {
        guard samples.count == reference.count else { return nil }
        let pairs = zip(samples.map(value), reference.map(value))
        guard pairs.allSatisfy({ $0.1 > 0 }) else { return nil }
        return Spread(pairs.map { $0 / $1 })
    }

    /// An absolute value with its unit.
    func format(_ value: Double) -> String {
        switch self {
        case .connectionsPerSecond: String(format: "%.0f/s", value)
        case .connectionP50, .cpuPerConnection, .requestP50, .requestP99: String(format: "%.1f µs", value)
        case .throughput: String(format: "%.2f Gbit/s", value)
        }
    }
}
