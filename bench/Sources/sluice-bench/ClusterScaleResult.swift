/// The cluster-scale control-plane run: probe-observed load and changes, the agent's own
/// time to enforce, its footprint, and the entry counts it reports.
struct ClusterScaleResult: Codable, Sendable {
    var status: SubjectResult.Status
    /// What failed, when it did.
    var note: String?
    var shape: ClusterScaleShape
    /// From the start of writing every file until the client's watcher first got through.
    var loadSeconds: Double?
    /// Until the agent's own count of policies in force reached them all.
    var loadAppliedSeconds: Double?
    /// The agent's time to enforce (file event to last map write) of the syncs the load caused.
    var loadEnforce: EnforceSummary?
    /// Each one-file change, from the write until the watcher saw it.
    var changeMilliseconds: [Double] = []
    /// The agent's time to enforce of the syncs the changes caused.
    var changeEnforce: EnforceSummary?
    var agent: AgentUsage?
    /// The planner alone on the same files (ClusterScalePlanning).
    var planning: ClusterScalePlanning?
    var counts: StatusCounts?
    var notes: [String] = []
}

/// A stretch of the agent's time-to-enforce histogram: how many syncs, their mean, and
/// the upper bounds of the buckets holding their p50 and p99.
struct EnforceSummary: Codable, Sendable {
    var syncs: Int
    var meanMilliseconds: Double
    var p50AtMostMilliseconds: Double?
    var p99AtMostMilliseconds: Double?
    /// The slowest sync's bucket bound.
    var maxAtMostMilliseconds: Double?

    init?(_ histogram: EnforceHistogram) {
        guard let mean = histogram.meanSeconds else { return nil }
        syncs = Int(histogram.count)
        meanMilliseconds = mean * 1000
        // The +Inf bucket has no finite bound to give.
        p50AtMostMilliseconds = histogram.quantileBound(0.5).flatMap { $0.isFinite ? $0 * 1000 : nil }
        p99AtMostMilliseconds = histogram.quantileBound(0.99).flatMap { $0.isFinite ? $0 * 1000 : nil }
        maxAtMostMilliseconds = histogram.quantileBound(1).flatMap { $0.isFinite ? $0 * 1000 : nil }
    }
}
