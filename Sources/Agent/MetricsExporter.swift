import BPF
import CSluiceBPF
import Prometheus
import Synchronization

/// The Prometheus registry of the agent. Datapath counters live in BPF maps
/// and are copied into the registry when scraped; agent counters are updated
/// where things happen.
final class MetricsExporter: Sendable {
    let registry = PrometheusCollectorRegistry()
    let maps: DatapathMaps
    private let status: AgentStatus
    private let datapathCounters = CounterMirror<String>()
    private let policyCounters = CounterMirror<String>()
    private let scrapeLock = Mutex(())
    private let process = ProcessMetrics()
    /// Other components' series, refreshed on every scrape (the service load balancer's).
    private let sources = Mutex<[@Sendable (PrometheusCollectorRegistry) -> Void]>([])
    /// Families written as text after the registry's (ExpositionText.swift).
    private let textSources = Mutex<[@Sendable () -> [UInt8]]>([])

    init(maps: DatapathMaps, status: AgentStatus) {
        self.maps = maps
        self.status = status
        registry.makeGauge(descriptor: MetricDescriptors.buildInfo, labels: [("version", SluiceVersion.current)]).set(1.0)
    }

    func reconcileFinished(outcome: String) {
        registry.makeCounter(descriptor: MetricDescriptors.reconciles, labels: [("outcome", outcome)]).increment()
    }

    /// What a change enforced: `policy` (policy, ipcache or endpoint entries) or `service`.
    enum EnforcedChange: String {
        case policy
        case service
    }

    /// Buckets from 1 ms to 5 s, fine around the 50 ms target.
    func enforced(_ change: EnforcedChange, after duration: Duration) {
        let buckets: [Duration] = [1, 2, 5, 10, 20, 30, 40, 50, 75, 100, 200, 500, 1000, 5000].map { .milliseconds($0) }
        registry.makeDurationHistogram(descriptor: MetricDescriptors.timeToEnforce, labels: [("change", change.rawValue)],
                                       buckets: buckets).record(duration)
    }

    func mapOperations(map: String, operation: String, outcome: String, count: Int) {
        guard count > 0 else { return }
        registry.makeCounter(descriptor: MetricDescriptors.mapOperations,
                             labels: [("map", map), ("operation", operation), ("outcome", outcome)])
            .increment(by: Int64(count))
    }

    func mapFull(_ name: String) {
        registry.makeCounter(descriptor: MetricDescriptors.mapFull, labels: [("map", name)]).increment()
    }

    func conntrackRevoked(_ flows: Int) {
        registry.makeCounter(descriptor: MetricDescriptors.conntrackRevoked).increment(by: Int64(flows))
    }

    func conntrackCollected(_ result: ConntrackMaintenance.Collection, duration: Duration) {
        registry.makeCounter(descriptor: MetricDescriptors.conntrackGCRuns).increment()
        registry.makeCounter(descriptor: MetricDescriptors.conntrackGCRemoved).increment(by: Int64(result.removed))
        let (seconds, attoseconds) = duration.components
        registry.makeGauge(descriptor: MetricDescriptors.conntrackGCDuration)
            .set(Double(seconds) + Double(attoseconds) / 1e18)
        for family in ["ipv4", "ipv6"] {
            for name in ["tcp", "udp", "sctp", "icmp", "other"] {
                let key = ConntrackMaintenance.ConntrackClass(family: family, protocolName: name)
                registry.makeGauge(descriptor: MetricDescriptors.conntrackEntries,
                                   labels: [("family", family), ("protocol", name)])
                    .set(Double(result.live[key] ?? 0))
            }
        }
    }

    func addSource(_ refresh: @escaping @Sendable (PrometheusCollectorRegistry) -> Void) {
        sources.withLock { $0.append(refresh) }
    }

    /// A source of families in the text format, whose names the registry never holds.
    func addTextSource(_ render: @escaping @Sendable () -> [UInt8]) {
        textSources.withLock { $0.append(render) }
    }

    /// Text exposition of everything, with the datapath counters read now.
    func scrape() -> [UInt8] {
        scrapeLock.withLock { _ in
            refreshDatapathCounters()
            refreshPolicyCounters()
            refreshStateGauges()
            for refresh in sources.withLock({ $0 }) { refresh(registry) }
            process.refresh(registry)
            var buffer = registry.emitToBuffer()
            for render in textSources.withLock({ $0 }) { buffer += render() }
            return buffer
        }
    }

    private func refreshDatapathCounters() {
        for direction in [SLUICE_DIR_INGRESS, SLUICE_DIR_EGRESS] {
            for reason in DatapathReason.labels.keys.sorted() {
                let slot = sluice_metrics_index(direction.rawValue, reason)
                guard let total = try? maps.metrics.sum(slot, { a, b in
                    sluice_metrics_value(packets: a.packets &+ b.packets, bytes: a.bytes &+ b.bytes)
                }) else { continue }
                let labels = [
                    ("direction", DatapathReason.direction(direction.rawValue)),
                    ("verdict", DatapathReason.isDrop(reason) ? "dropped" : "forwarded"),
                    ("reason", DatapathReason.label(reason)),
                ]
                datapathCounters.mirror(total.packets, for: "packets/\(slot)",
                    into: registry.makeCounter(descriptor: MetricDescriptors.datapathPackets, labels: labels))
                datapathCounters.mirror(total.bytes, for: "bytes/\(slot)",
                    into: registry.makeCounter(descriptor: MetricDescriptors.datapathBytes, labels: labels))
            }
        }
    }

    /// Per-policy counters, for the policies in force now (ids of deleted ones have no name).
    private func refreshPolicyCounters() {
        let names = status.snapshot.policyNames
        guard let keys = try? maps.policyStats.keys() else { return }
        for key in keys {
            guard let name = names[key.policy_id], let action = DatapathReason.verdictAction(key.action),
                  let total = try? maps.policyStats.sum(key, { a, b in
                      sluice_policy_stats_value(flows: a.flows &+ b.flows, packets: a.packets &+ b.packets,
                                                bytes: a.bytes &+ b.bytes)
                  }) else { continue }
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            let labels = [("namespace", parts.first ?? ""), ("policy", parts.last ?? ""),
                          ("direction", DatapathReason.direction(UInt32(key.direction)))]
            let id = "\(name)/\(key.direction)"
            // An allowed flow takes one verdict; a denied or audited packet takes one each.
            let isAllowed = key.action == UInt8(SLUICE_VERDICT_ALLOWED.rawValue)
            policyCounters.mirror(isAllowed ? total.flows : total.packets, for: "verdicts/\(id)/\(action)",
                into: registry.makeCounter(descriptor: MetricDescriptors.policyVerdicts,
                                           labels: labels + [("action", action)]))
            guard isAllowed else { continue }
            policyCounters.mirror(total.flows, for: "flows/\(id)",
                into: registry.makeCounter(descriptor: MetricDescriptors.policyFlows, labels: labels))
            policyCounters.mirror(total.packets, for: "packets/\(id)",
                into: registry.makeCounter(descriptor: MetricDescriptors.policyPackets, labels: labels))
            policyCounters.mirror(total.bytes, for: "bytes/\(id)",
                into: registry.makeCounter(descriptor: MetricDescriptors.policyBytes, labels: labels))
        }
    }

    private func refreshStateGauges() {
        let snapshot = status.snapshot
        registry.makeGauge(descriptor: MetricDescriptors.pods).set(Double(snapshot.cluster?.pods.count ?? 0))
        registry.makeGauge(descriptor: MetricDescriptors.serviceFrontends)
            .set(Double(snapshot.plan?.services.frontends.count ?? 0))
        registry.makeGauge(descriptor: MetricDescriptors.endpoints).set(Double(snapshot.endpoints))
        registry.makeGauge(descriptor: MetricDescriptors.identities).set(Double(snapshot.identities))
        registry.makeGauge(descriptor: MetricDescriptors.policies).set(Double(snapshot.policies))
        registry.makeGauge(descriptor: MetricDescriptors.mapEntries, labels: [("map", SLUICE_MAP_POLICY)])
            .set(Double(snapshot.policyEntries))
        registry.makeGauge(descriptor: MetricDescriptors.mapEntries, labels: [("map", SLUICE_MAP_IPCACHE)])
            .set(Double(snapshot.ipcacheEntries))
        registry.makeGauge(descriptor: MetricDescriptors.mapEntries, labels: [("map", SLUICE_MAP_ENDPOINTS)])
            .set(Double(snapshot.endpoints))
        let services = snapshot.plan?.services
        for (map, entries) in [(SLUICE_MAP_SERVICES, services?.frontends.count), (SLUICE_MAP_BACKENDS, services?.backends.count),
                               (SLUICE_MAP_SERVICE_MEMBERS, services?.members.count),
                               (SLUICE_MAP_MAGLEV, services?.tables.count)] {
            registry.makeGauge(descriptor: MetricDescriptors.mapEntries, labels: [("map", map)]).set(Double(entries ?? 0))
        }
        // Pressure is entries over capacity; conntrack's entries are sluice_conntrack_entries.
        for info in [maps.endpoints.info, maps.ipcache.info, maps.policy.info, maps.conntrack.info,
                     maps.conntrackOther.info, maps.policyStats.info] {
            registry.makeGauge(descriptor: MetricDescriptors.mapCapacity, labels: [("map", info.name)])
                .set(Double(info.maxEntries))
        }
        for (name, capacity) in snapshot.mapCapacities {
            registry.makeGauge(descriptor: MetricDescriptors.mapCapacity, labels: [("map", name)]).set(Double(capacity))
        }
        for state in [AgentStatus.FileState.State.applied, .error] {
            registry.makeGauge(descriptor: MetricDescriptors.manifestFiles, labels: [("state", state.rawValue)])
                .set(Double(snapshot.files.values.filter { $0.state == state }.count))
        }
        registry.makeGauge(descriptor: MetricDescriptors.ready).set(snapshot.ready ? 1.0 : 0.0)
    }
}

public enum SluiceVersion {
    public static let current = "0.1.0"
}
