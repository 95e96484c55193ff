import Model
import Planner

/// Issue #3's "planning 1,000 policies over 5,000 pods takes under 1 s", measured on the
/// very files the cluster-scale run gives the agent: decoded once, then planned from
/// scratch (fresh allocations) and re-planned with one policy edited, as the agent does.
struct ClusterScalePlanning: Codable, Sendable {
    /// Median of the repetitions, fresh allocations: the agent's first plan.
    var planMilliseconds: Double
    /// Median with warm allocations after the probed policy was edited: a change's plan.
    var replanMilliseconds: Double
    var repetitions: Int

    /// `files`: every file in force, by name; `edited`: the probed file's next version.
    static func measure(files: [String: String], edited: (name: String, contents: String), node: String,
                        repetitions: Int = 5) throws -> ClusterScalePlanning {
        let decode = { (files: [String: String]) throws -> Cluster in
            Cluster(manifests: try files.keys.sorted().flatMap { name in
                try ManifestDecoder.decode(contents: files[name] ?? "", file: name)
            })
        }
        let cluster = try decode(files)
        var changedFiles = files
        changedFiles[edited.name] = edited.contents
        let changed = try decode(changedFiles)
        let settings = NodeSettings(name: node)
        var plans: [Double] = []
        var replans: [Double] = []
        for _ in 0..<max(1, repetitions) {
            var allocations = Allocations()
            var start = monotonicNanoseconds()
            _ = Planner.plan(cluster, node: settings, allocations: &allocations)
            plans.append(Double(monotonicNanoseconds() - start) / 1e6)
            start = monotonicNanoseconds()
            _ = Planner.plan(changed, node: settings, allocations: &allocations)
            replans.append(Double(monotonicNanoseconds() - start) / 1e6)
        }
        return ClusterScalePlanning(planMilliseconds: percentile(plans, 0.5), replanMilliseconds: percentile(replans, 0.5),
                                    repetitions: plans.count)
    }
}
