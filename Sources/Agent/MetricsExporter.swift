import BPF
import CSluiceBPF
import Prometheus
import Synchronization

/// The Prometheus registry of the agent. Datapath counters live in BPF maps
/// and are copied into the registry when scraped; agent counters are updated
/// where things happen.
final class MetricsExporter: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let maps: DatapathMaps
    private let status: AgentStatus
    /// Last per-slot totals seen, to turn the map's absolute counts into increments.
    private let seen = Mutex([UInt32: sluice_metrics_value]())
    private let scrapeLock = Mutex(())

    init(maps: DatapathMaps, status: AgentStatus) {
        self.maps = maps
        self.status = status
        registry.makeGauge(descriptor: MetricDescriptors.buildInfo, labels: [("version", SluiceVersion.current)]).set(1.0)
    }

    func reconcileFinished(outcome: String) {
        registry.makeCounter(descriptor: MetricDescriptors.reconciles, labels: [("outcome", outcome)]).increment()
    }

    /// Text exposition of everything, with the datapath counters read now.
    func scrape() -> [UInt8] {
        scrapeLock.withLock { _ in
            refreshDatapathCounters()
            refreshStateGauges()
            return registry.emitToBuffer()
        }
    }

    private func refreshDatapathCounters() {
        for direction in [SLUICE_DIR_INGRESS, SLUICE_DIR_EGRESS] {
            for reason in DatapathReason.labels.keys.sorted() {
                let slot = sluice_metrics_index(direction.rawValue, reason)
                guard let total = try? maps.metrics.sum(slot, { a, b in
                    sluice_metrics_value(packets: a.packets &+ b.packets, bytes: a.bytes &+ b.bytes)
                }) else { continue }
                let previous = seen.withLock { seen in
                    defer { seen[slot] = total }
                    return seen[slot] ?? sluice_metrics_value(packets: 0, bytes: 0)
                }
                let labels = [
                    ("direction", DatapathReason.direction(direction.rawValue)),
                    ("verdict", DatapathReason.isDrop(reason) ? "dropped" : "forwarded"),
                    ("reason", DatapathReason.label(reason)),
                ]
                let packets = registry.makeCounter(descriptor: MetricDescriptors.datapathPackets, labels: labels)
                let bytes = registry.makeCounter(descriptor: MetricDescriptors.datapathBytes, labels: labels)
                // A smaller total means the map was recreated: start over from it.
                if total.packets < previous.packets {
                    packets.reset()
                    bytes.reset()
                    packets.increment(by: Int64(clamping: total.packets))
                    bytes.increment(by: Int64(clamping: total.bytes))
                } else {
                    packets.increment(by: Int64(clamping: total.packets - previous.packets))
                    bytes.increment(by: Int64(clamping: total.bytes &- previous.bytes))
                }
            }
        }
    }

    private func refreshStateGauges() {
        let snapshot = status.snapshot
        registry.makeGauge(descriptor: MetricDescriptors.endpoints).set(Double(snapshot.endpoints))
        registry.makeGauge(descriptor: MetricDescriptors.identities).set(Double(snapshot.identities))
        registry.makeGauge(descriptor: MetricDescriptors.policies).set(Double(snapshot.policies))
        registry.makeGauge(descriptor: MetricDescriptors.mapEntries, labels: [("map", SLUICE_MAP_POLICY)])
            .set(Double(snapshot.policyEntries))
        registry.makeGauge(descriptor: MetricDescriptors.mapEntries, labels: [("map", SLUICE_MAP_IPCACHE)])
            .set(Double(snapshot.ipcacheEntries))
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
