import Foundation

/// Issue #3's target as its own table: one changed policy file enforced within 50 ms p99 at
/// 1,000 policies over 5,000 pods, planning under 1 s, and the map entry counts.
extension MarkdownReport {
    var clusterScaleSection: String {
        guard let result = report.clusterScale else { return "" }
        let shape = result.shape
        var lines = [
            "## Control plane at cluster scale (issue #3)",
            "",
            "sluiced on the same topology with \(shape.pods) pods (the topology's four, the rest synthetic on other "
                + "nodes, addresses in 10.220.0.0/14) in \(shape.namespaces) namespaces and \(shape.policies) policies "
                + "shaped like sluice-plan-bench's (app podSelector; peers: an app, web pods of a team's namespaces, an "
                + "ipBlock with except on every 10th; ports 80, 8000-8099, named port metrics), plus a default deny "
                + "and the probed policy selecting the servers. Full load: every file written (namespaces, pods one "
                + "file per namespace, policies one file each, the probed one last) until the client's watcher got "
                + "through. Change: the probed policy's file rewritten, alternately blocking and reopening the path, "
                + "until the watcher saw it. Agent: sluice_time_to_enforce_seconds (file event to the last map write) "
                + "over the syncs the load or the changes caused; its buckets bound the quantiles from above. Policy "
                + "entries are the local endpoints' only (the four real pods; the synthetic ones are on other nodes), "
                + "as on one node of a cluster.",
            "",
        ]
        guard result.status == .measured else {
            lines.append("**failed**: \(result.note?.replacingOccurrences(of: "\n", with: " ") ?? "")")
            return lines.joined(separator: "\n") + "\n"
        }
        let changes = result.changeMilliseconds
        let p99 = changes.isEmpty ? nil : percentile(changes, 0.99)
        func milliseconds(_ value: Double?) -> String { value.map { String(format: "%.1f ms", $0) } ?? "—" }
        func bound(_ value: Double?) -> String { value.map { String(format: "%.0f ms", $0) } ?? "> 5 s" }
        func enforce(_ summary: EnforceSummary?) -> String {
            guard let summary else { return "— (no sync recorded)" }
            return String(format: "%d syncs, mean %.1f ms, ", summary.syncs, summary.meanMilliseconds)
                + "p50 ≤ \(bound(summary.p50AtMostMilliseconds)), p99 ≤ \(bound(summary.p99AtMostMilliseconds)), "
                + "slowest ≤ \(bound(summary.maxAtMostMilliseconds))"
        }
        let isIssueShape = shape.pods >= 5000 && shape.policies >= 1000
        let verdict = { (met: Bool?) -> String in
            guard isIssueShape else { return "not judged (smaller than the target's scale)" }
            return met.map { $0 ? "met" : "**missed**" } ?? "n/a"
        }
        lines += [
            "| measurement | this run | target |",
            "|---|---|---|",
            "| one-file change, probe-observed p50 / p99 (\(changes.count) changes) | "
                + "\(milliseconds(changes.isEmpty ? nil : percentile(changes, 0.5))) / \(milliseconds(p99)) | "
                + "p99 < 50 ms: \(verdict(p99.map { $0 < 50 })) |",
            "| one-file change, agent's time to enforce | \(enforce(result.changeEnforce)) | |",
            "| full load, probe-observed | \(result.loadSeconds.map { String(format: "%.3f s", $0) } ?? "—") | |",
            "| full load, agent counts every policy in force | "
                + "\(result.loadAppliedSeconds.map { String(format: "%.3f s", $0) } ?? "—") | |",
            "| full load, agent's time to enforce (read, decode, plan, write) | \(enforce(result.loadEnforce)) | |",
            "| planning, the planner alone on these files (median of \(result.planning?.repetitions ?? 0)): "
                + "first plan; re-plan after the probed policy's edit | "
                + (result.planning.map { String(format: "%.1f ms; %.1f ms", $0.planMilliseconds, $0.replanMilliseconds) } ?? "—")
                + " | planning < 1 s: \(verdict(result.planning.map { $0.planMilliseconds < 1000 })) |",
            "| agent CPU for the load; per change | "
                + (result.agent.map { String(format: "%.3f s; %.1f ms", $0.loadCPUSeconds, $0.cpuMillisecondsPerChange) } ?? "—")
                + " | |",
            "| agent RSS after load, peak | "
                + (result.agent.map { String(format: "%.1f MiB, %.1f MiB", $0.rssMiBAfterLoad, $0.peakRSSMiB) } ?? "—")
                + " | |",
        ]
        if let counts = result.counts {
            let c = counts.counts
            lines.append("| agent's counts (/v1/status) | \(c.pods) pods, \(c.endpoints) endpoints, \(c.identities) identities, "
                         + "\(c.policies) policies, \(c.policyEntries) policy entries, \(c.ipcacheEntries) ipcache entries | |")
            let maps = counts.maps.filter { $0.entries != nil }.map { map in
                "\(map.name) \(map.entries ?? 0)" + (map.maxEntries.map { " of \($0)" } ?? "")
            }
            lines.append("| map entries | \(maps.joined(separator: ", ")) | |")
        }
        if !result.notes.isEmpty {
            lines += ["", "Notes:", ""] + result.notes.map { "- \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
