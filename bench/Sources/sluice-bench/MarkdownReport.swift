import Foundation

/// The report as people read it: ratios to the same run's baseline first, then the
/// control plane, the BPF micro-benchmarks, the issue's targets, and absolute numbers.
struct MarkdownReport {
    let report: BenchReport

    init(_ report: BenchReport) {
        self.report = report
    }

    /// What the run prints at the end.
    var summaryTable: String {
        [datapathSection, controlPlaneSection, clusterScaleSection, microSection, targetsSection].joined(separator: "\n")
    }

    var document: String {
        [header, datapathSection, controlPlaneSection, clusterScaleSection, microSection, targetsSection, absoluteSection,
         methodSection]
            .joined(separator: "\n")
    }

    private var host: HostInfo { report.host }

    private var header: String {
        let plan = host.plan
        return """
            # Sluice benchmark, \(host.date.prefix(10)) on \(host.host)

            - mode: `\(plan.mode.rawValue)`; N = \(plan.scales.map(String.init).joined(separator: ", ")); \
            \(plan.repetitions) repetitions of crr \(plan.crrSeconds) s, rr \(plan.rrSeconds) s, bulk \(plan.bulkSeconds) s; \
            \(plan.changes) one-object changes per subject and N
            - machine: \(host.cores) cores, \(host.cpuModel), \(String(format: "%.0f", host.memoryGiB)) GiB, Linux \(host.kernel); \
            \(host.toolVersions.sorted { $0.key < $1.key }.map(\.value).joined(separator: ", "))
            - commit: `\(host.commit)`; started \(host.date); took \(String(format: "%.0f", host.elapsedSeconds ?? 0)) s
            - load average at start \(host.loadAverageAtStart), at end \(host.loadAverageAtEnd ?? "?"): the machine is \
            shared with other builds, so absolute numbers drift; ratios within this run are what count

            """
    }

    // MARK: Datapath

    private var datapathSection: String {
        guard !report.scales.isEmpty else { return "" }
        var lines = [
            "## Datapath: ratio to the same run's baseline",
            "",
            "Median of the repetitions, (min–max) in parentheses, all divided by the baseline's median at the same N. "
                + "Higher is better for conn/s and throughput, lower for CPU/conn and latency. "
                + "The baseline rows give their absolute medians. Every row divides by the pod baseline (client pod "
                + "straight to a server pod) except those marked \"÷ external baseline\": their client is outside the "
                + "node, and they divide by that client straight to a server pod through the node's routing.",
            "",
            "| N | subject | " + WorkloadMetric.allCases.map(\.title).joined(separator: " | ") + " |",
            "|---|---|" + WorkloadMetric.allCases.map { _ in "---|" }.joined(),
        ]
        for scale in report.scales {
            for baseline in scale.baselines {
                lines.append("| \(scale.scale) | \(baseline.title) | " + WorkloadMetric.allCases.map { metric in
                    guard baseline.status == .measured, let spread = metric.spread(baseline.samples) else {
                        return statusCell(baseline)
                    }
                    return metric.format(spread.median)
                }.joined(separator: " | ") + " |")
            }
            for subject in scale.subjects {
                let title = subject.baseline == .external ? subject.title + " ÷ external baseline" : subject.title
                lines.append("| \(scale.scale) | \(title) | " + WorkloadMetric.allCases.enumerated().map { index, metric in
                    guard subject.status == .measured else { return index == 0 ? statusCell(subject) : "—" }
                    guard let baseline = scale.baseline(for: subject), baseline.status == .measured,
                          let base = metric.spread(baseline.samples)?.median,
                          let ratio = metric.spread(subject.samples)?.ratio(to: base) else { return "—" }
                    return String(format: "%.2f× (%.2f–%.2f)", ratio.median, ratio.min, ratio.max)
                }.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n" + failureList
    }

    private func statusCell(_ result: SubjectResult) -> String {
        switch result.status {
        case .measured: return "—"
        case .unavailable: return result.note ?? "not available"
        case .failed: return "**failed** (below)"
        }
    }

    private var failureList: String {
        let failures = report.failures
        guard !failures.isEmpty else { return "" }
        return "\n**Failed rows:**\n\n" + failures.map { "- \($0.replacingOccurrences(of: "\n", with: " "))" }
            .joined(separator: "\n") + "\n"
    }

    // MARK: Control plane

    private var controlPlaneSection: String {
        guard !report.scales.isEmpty else { return "" }
        var lines = [
            "## Control plane",
            "",
            "Full load: from the start of writing N objects (files into the policy directory; iptables-restore; nft -f) "
                + "until a watcher in the client pod first got through the probed object, which is written last; "
                + "the policy directory is in \(BenchEnvironment.scratchDirectory) (a tmpfs when /dev/shm is one), so the "
                + "files cost their writing, not a disk. "
                + "Applied: until the agent itself reported all N policies in force. "
                + "Change: one object rewritten (the probed one, alternately blocking and reopening the path) until the "
                + "watcher saw it; p50 and p99 over \(host.plan.changes) changes. "
                + "CPU/change: the command's CPU for iptables and nft, the agent's for Sluice. "
                + "Restart: after the changes, the agent stopped (SIGTERM: pins and programs stay) and started again "
                + "on its pins with the N objects in place, until it reported ready (its first sync done), and its CPU by then.",
            "",
            "| N | subject | full load | applied | load command (wall, CPU) | change p50 | change p99 | CPU/change | agent RSS (after load, peak) | agent CPU for the load | agent restart (ready, CPU) |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for scale in report.scales {
            for subject in scale.subjects {
                guard subject.status == .measured, let control = subject.controlPlane else {
                    if subject.status != .measured {
                        lines.append("| \(scale.scale) | \(subject.title) | \(statusCell(subject)) | | | | | | | | |")
                    }
                    continue
                }
                let changes = control.changeMilliseconds
                let cpuPerChange = control.agent.map { String(format: "%.1f ms", $0.cpuMillisecondsPerChange) }
                    ?? (control.changeCommandCPUMilliseconds.isEmpty ? "—"
                        : String(format: "%.1f ms", median(control.changeCommandCPUMilliseconds)))
                lines.append("| \(scale.scale) | \(subject.title) | " + [
                    String(format: "%.3f s", control.loadSeconds),
                    control.loadAppliedSeconds.map { String(format: "%.3f s", $0) } ?? "—",
                    control.loadCommand.map { String(format: "%.3f s, %.3f s", $0.wallSeconds, $0.cpuSeconds) } ?? "—",
                    String(format: "%.1f ms", percentile(changes, 0.5)),
                    String(format: "%.1f ms", percentile(changes, 0.99))
                        + (changes.count < host.plan.changes ? " (\(changes.count) changes, time budget)" : ""),
                    cpuPerChange,
                    control.agent.map { String(format: "%.1f MiB, %.1f MiB", $0.rssMiBAfterLoad, $0.peakRSSMiB) } ?? "—",
                    control.agent.map { String(format: "%.3f s", $0.loadCPUSeconds) } ?? "—",
                    control.restart.map { restart in
                        String(format: "%.3f s, ", restart.readySeconds)
                            + (restart.agentCPUSeconds.map { String(format: "%.3f s", $0) } ?? "—")
                    } ?? "—",
                ].joined(separator: " | ") + " |")
            }
        }
        let notes = report.scales.flatMap { scale in
            scale.subjects.flatMap { subject in
                (subject.controlPlane?.notes ?? []).map { "- N=\(scale.scale) \(subject.title): \($0)" }
            }
        }
        if !notes.isEmpty {
            lines += ["", "Notes:", ""] + notes
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Micro-benchmarks

    private var microSection: String {
        guard let micro = report.micro else { return "" }
        let scales = host.plan.scales
        var lines = [
            "## Datapath micro-benchmarks: ns per packet (BPF_PROG_TEST_RUN)",
            "",
            "tc_pod.bpf.o with its maps filled for one server endpoint selected by N policies: N identities, "
                + "N policy entries, N established flows. tc_node.bpf.o (the per-packet service path) with N services "
                + "of 3 backends each (N frontends, 3N backends, N Maglev tables), the probed one last: a TCP SYN "
                + "from an external client to the node's address and the probed node port, its next packets, and "
                + "the backend's replies. The kernel's own timing of the program run.",
            "",
            "| path | method | " + scales.map { "N = \($0)" }.joined(separator: " | ") + " |",
            "|---|---|" + scales.map { _ in "---|" }.joined(),
        ]
        for row in micro.rows {
            lines.append("| \(row.title) | \(row.method) | "
                         + scales.map { row.nanoseconds[String($0)].map { String(format: "%.0f", $0) } ?? "—" }
                            .joined(separator: " | ") + " |")
        }
        for missing in micro.unavailable {
            lines.append("| \(missing.title) | \(missing.reason) | " + scales.map { _ in "—" }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Targets

    private var targetsSection: String {
        guard let scale = report.scales.last else { return "" }
        let find = { (id: String) in scale.subjects.first { $0.id == id && $0.status == .measured } }
        let socketLB = find("sluice-socket-lb")
        let policy = find("sluice-policy")
        let sluice = socketLB ?? policy
        let sluiceName = socketLB == nil ? "Sluice policy (services not available yet)" : "Sluice socket LB"
        func ratio(_ metric: WorkloadMetric, _ subject: SubjectResult?, to other: SubjectResult?) -> Double? {
            guard let subject, let other, let top = metric.spread(subject.samples)?.median,
                  let bottom = metric.spread(other.samples)?.median, bottom > 0 else { return nil }
            return top / bottom
        }
        func verdict(_ met: Bool?) -> String { met.map { $0 ? "met" : "**missed**" } ?? "n/a" }
        let baselineRatio = ratio(.connectionsPerSecond, sluice, to: scale.baseline)
        let versusIPTables = ratio(.connectionsPerSecond, socketLB, to: find("kube-proxy-iptables-nft"))
        let policyVersusIPTables = ratio(.connectionsPerSecond, policy, to: find("iptables-policy-nft"))
        let throughput = ratio(.throughput, sluice, to: scale.baseline)
        let changeP99 = policy?.controlPlane.map { percentile($0.changeMilliseconds, 0.99) }
        let serviceLoad = socketLB?.controlPlane?.loadSeconds
        let policyLoad = policy?.controlPlane?.loadSeconds
        let rss = sluice?.controlPlane?.agent?.peakRSSMiB
        let throughService = ServiceTranslationCost(scale)
        let rows: [(String, String, String)] = [
            ("connection rate ≥ 0.9× baseline", baselineRatio.map { String(format: "%.2f× ", $0) + "(\(sluiceName))" } ?? "—",
             verdict(baselineRatio.map { $0 >= 0.9 })),
            ("connection rate ≥ 2× kube-proxy iptables (nft)", versusIPTables.map { String(format: "%.2f×", $0) }
                ?? "needs Sluice services", verdict(versusIPTables.map { $0 >= 2 })),
            ("(policy) Sluice vs iptables (nft) policy chain, conn/s", policyVersusIPTables.map { String(format: "%.2f×", $0) } ?? "—",
             "for information"),
            ("throughput ≥ 0.95× baseline", throughput.map { String(format: "%.2f× ", $0) + "(\(sluiceName))" } ?? "—",
             verdict(throughput.map { $0 >= 0.95 })),
            ("one-file change enforced, p99 < 50 ms", changeP99.map { String(format: "%.1f ms (policies)", $0) } ?? "—",
             verdict(changeP99.map { $0 < 50 })),
            ("#4 connection setup through the service vs straight to the backend, same agent",
             throughService?.connectionSetupCell ?? "needs Sluice services", verdict(throughService?.connectionSetupMet)),
            ("(#4) the same pair, other workloads", throughService?.otherWorkloadsCell ?? "—", "for information"),
            ("N services load < 2 s", serviceLoad.map { String(format: "%.2f s", $0) } ?? "needs Sluice services",
             verdict(serviceLoad.map { $0 < 2 })),
            ("(policy) N policies load", policyLoad.map { String(format: "%.2f s", $0) } ?? "—", "for information"),
            ("agent RSS < 100 MB", rss.map { String(format: "%.1f MiB peak", $0) } ?? "—", verdict(rss.map { $0 * 1.048576 < 100 })),
        ]
        var lines = [
            "## Issue #7 targets at N = \(scale.scale)" + (scale.scale < 10000 ? " (the targets are stated for N = 10,000)" : ""),
            "",
            "| target | this run | |",
            "|---|---|---|",
        ]
        lines += rows.map { "| \($0.0) | \($0.1) | \($0.2) |" }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Absolute numbers

    private var absoluteSection: String {
        var lines = [
            "## Absolute numbers",
            "",
            "Median (min–max) of the repetitions; crr latency is the whole connect-request-close.",
            "",
            "| N | subject | conn/s | crr p50 | crr p99 | CPU/conn | RR p50 | RR p99 | throughput |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for scale in report.scales {
            for subject in scale.baselines + scale.subjects where subject.status == .measured {
                let cells: [(WorkloadSample) -> Double] = [
                    \.connectionsPerSecond, \.connectionP50Us, \.connectionP99Us, \.cpuPerConnectionUs,
                    \.requestP50Us, \.requestP99Us, \.throughputGbitPerSecond,
                ]
                lines.append("| \(scale.scale) | \(subject.title) | " + cells.map { read in
                    Spread(subject.samples.map(read)).map { String(format: "%.1f (%.1f–%.1f)", $0.median, $0.min, $0.max) } ?? "—"
                }.joined(separator: " | ") + " |")
            }
        }
        lines.append("")
        lines.append("Units: conn/s; µs for latencies and CPU; Gbit/s for throughput.")
        return lines.joined(separator: "\n") + "\n"
    }

    private var methodSection: String {
        """
        ## How it was measured

        - Every subject gets a fresh topology (TestSupport): a node namespace and four pods on veths, a client and
          three servers (the probed service's backends), all traffic between namespaces the run created. The
          baseline connects pod to pod with nothing attached. Rows whose client is outside the node (Sluice's
          per-packet path) run it in an external namespace joined to the node by a veth, and divide by the external
          baseline: that client straight to a server pod through the node's routing, nothing attached.
        - Sluice per-packet path: sluiced with `--nodeport-interfaces` on the node's end of that veth (tc_node DNATs
          arriving node-port packets, reverse-NATs replies); N services, the last min(N, 2,768) of type NodePort
          (the node port range holds 2,768), the probed one last; the client connects to the node's address on the
          probed node port.
        - Sluice socket LB, same agent straight to the backend: in the socket-LB session, with the same N services
          loaded and the client in the same cgroup, the workloads also connect to a server pod (a backend of the
          probed service) on the served port, alternately with the cluster IP (each workload to one then the other,
          the order swapped every repetition). Issue #4's target compares the two repetition by repetition.
        - Load generator `sluice-loadgen` (C): crr = connect, 64-byte request, 64-byte response, server closes,
          one connection after another; rr = 64-byte round trips on one connection; bulk = one stream, counted by
          the server. CPU/conn = client + server CPU time (scheduler runtime, which on this kernel includes the
          softirq work they ran: veth, tc, netfilter) divided by connections.
        - N objects: the probed one is the last written and the last rule. Sluice: N NetworkPolicies (one ipBlock
          peer and port each, the client's last) over a default deny, one file each. kube-proxy shapes: N services
          with 3 endpoints, KUBE-SERVICES → KUBE-SVC-* (statistic random) → KUBE-SEP-* DNAT, or nftables verdict
          map → numgen → dnat, in the node namespace. iptables policy: ESTABLISHED accepted first, then a chain of
          N allow rules with the client's last, then DROP.
        - Watcher: a TCP connect every millisecond from the client pod; a change counts from the write until the
          first attempt that saw it (confirmed by the next two).
        """
    }
}
