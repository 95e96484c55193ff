import Foundation

/// What the cluster-scale run reads from the agent itself: its time-to-enforce histogram
/// and the entry counts of `/v1/status`.
struct EnforceHistogram: Sendable {
    /// Cumulative counts by upper bound in seconds, +Inf last.
    var buckets: [(upperBound: Double, count: Double)]
    var sum: Double
    var count: Double

    static let name = "sluice_time_to_enforce_seconds"

    /// Parses the series of one kind of change (`policy`, `service`) out of a /metrics
    /// body; empty when the agent has recorded nothing.
    init(metrics body: String, change: String = "policy") {
        buckets = []
        sum = 0
        count = 0
        let label = "change=\"\(change)\""
        for line in body.split(separator: "\n") where line.hasPrefix(Self.name) && line.contains(label) {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[1]) else { continue }
            if line.hasPrefix(Self.name + "_bucket{"), let bound = Self.upperBound(parts[0]) {
                buckets.append((bound, value))
            } else if parts[0].hasPrefix(Self.name + "_sum{") {
                sum = value
            } else if parts[0].hasPrefix(Self.name + "_count{") {
                count = value
            }
        }
        buckets.sort { $0.upperBound < $1.upperBound }
    }

    private init(buckets: [(upperBound: Double, count: Double)], sum: Double, count: Double) {
        self.buckets = buckets
        self.sum = sum
        self.count = count
    }

    /// What was recorded after `earlier`.
    func since(_ earlier: EnforceHistogram) -> EnforceHistogram {
        let before = Dictionary(earlier.buckets.map { ($0.upperBound, $0.count) }, uniquingKeysWith: { $1 })
        return EnforceHistogram(buckets: buckets.map { ($0.upperBound, $0.count - (before[$0.upperBound] ?? 0)) },
                                sum: sum - earlier.sum, count: count - earlier.count)
    }

    /// The upper bound of the bucket holding the `fraction` quantile: "at most this", the
    /// resolution the agent's buckets give. Nil with nothing recorded.
    func quantileBound(_ fraction: Double) -> Double? {
        guard count > 0 else { return nil }
        return buckets.first { $0.count >= fraction * count }?.upperBound
    }

    var meanSeconds: Double? { count > 0 ? sum / count : nil }

    private static func upperBound(_ series: Substring) -> Double? {
        guard let start = series.range(of: "le=\"")?.upperBound,
              let end = series[start...].firstIndex(of: "\"") else { return nil }
        let text = series[start..<end]
        return text == "+Inf" ? .infinity : Double(text)
    }
}

/// The counts of `GET /v1/status` (the agent's StatusDocument), decoded leniently: only
/// what the report shows.
struct StatusCounts: Codable, Sendable {
    struct Counts: Codable, Sendable {
        var pods: Int
        var endpoints: Int
        var identities: Int
        var policies: Int
        var policyEntries: Int
        var ipcacheEntries: Int
        var services: Int
    }

    struct MapUsage: Codable, Sendable {
        var name: String
        var entries: Int?
        var maxEntries: Int?
    }

    var counts: Counts
    var maps: [MapUsage]

    static func read(from agent: SluiceAgent) throws -> StatusCounts {
        let body = try agent.get("/v1/status")
        do {
            return try JSONDecoder().decode(StatusCounts.self, from: Data(body.utf8))
        } catch {
            throw BenchError.unparsable(what: "GET /v1/status (\(error))", output: String(body.prefix(2000)))
        }
    }
}
