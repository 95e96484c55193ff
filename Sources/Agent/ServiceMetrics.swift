import BPF
import CSluiceBPF
import HashTreeCollections
import Planner
import Prometheus
import Synchronization

/// Per-service and per-backend counters of the socket load balancer, copied from its per-CPU
/// maps into the registry on every scrape, labelled with what the last sync named each id.
final class ServiceMetrics: Sendable {
    private let maps: ServiceMaps
    private let names = Mutex(Names())
    private let counters = CounterMirror<String>()

    private struct Names {
        var frontends: TreeDictionary<UInt32, FrontendRef> = [:]
        var backends: TreeDictionary<UInt32, BackendRef> = [:]
        /// Service id -> members in each state.
        var states: [UInt32: StateCounts] = [:]
        /// Probed backends and whether their probes pass.
        var healthy: [BackendRef: Bool] = [:]
    }

    init(maps: ServiceMaps) {
        self.maps = maps
    }

    /// Members of one service port per state (the gauge's three).
    struct StateCounts {
        var active = 0
        var terminating = 0
        var unhealthy = 0

        subscript(name: String) -> Int {
            switch name {
            case "active": active
            case "terminating": terminating
            case "unhealthy": unhealthy
            default: 0
            }
        }

        mutating func count(_ state: UInt32, by step: Int = 1) {
            switch state {
            case SLUICE_MEMBER_ACTIVE.rawValue: active += step
            case SLUICE_MEMBER_TERMINATING.rawValue: terminating += step
            case SLUICE_MEMBER_UNHEALTHY.rawValue: unhealthy += step
            default: break
            }
        }
    }

    /// Names and member states as of `planned`. With `touched` (the entries that may differ
    /// from `previous`, the plan of the last update), only the members at its keys are
    /// counted again, and health only when the checks may have changed.
    func update(_ planned: PlannedServices, previous: PlannedServices, touched: ServiceDelta?,
                probed: [BackendRef: HealthCheck], unhealthy: Set<BackendRef>) {
        names.withLock { names in
            names.frontends = planned.frontendNames
            names.backends = planned.backendNames
            if let touched {
                for key in touched.members {
                    if let old = previous.members[key] { names.states[key.service_id, default: StateCounts()].count(old.state, by: -1) }
                    if let new = planned.members[key] { names.states[key.service_id, default: StateCounts()].count(new.state) }
                }
            } else {
                var states: [UInt32: StateCounts] = [:]
                states.reserveCapacity(planned.frontendNames.count)
                for (key, member) in planned.members { states[key.service_id, default: StateCounts()].count(member.state) }
                names.states = states
            }
            if touched?.healthChecks ?? true {
                names.healthy = probed.mapValues { _ in true }
                for backend in unhealthy where names.healthy[backend] != nil { names.healthy[backend] = false }
            }
        }
    }

    /// Reads the counters now and sets the registry's series.
    func refresh(_ registry: PrometheusCollectorRegistry) {
        let snapshot = names.withLock { $0 }
        for (id, frontend) in snapshot.frontends {
            let labels = Self.labels(frontend)
            let total = (try? maps.serviceMetrics.sum(id, { a, b in
                sluice_service_metrics(connections: a.connections &+ b.connections, no_backend: a.no_backend &+ b.no_backend)
            })) ?? nil
            if let total {
                let key = labels.map(\.1).joined(separator: "/")
                counters.mirror(total.connections, for: "svc/\(key)",
                                into: registry.makeCounter(descriptor: MetricDescriptors.serviceConnections, labels: labels))
                counters.mirror(total.no_backend, for: "nobe/\(key)",
                                into: registry.makeCounter(descriptor: MetricDescriptors.serviceNoBackend, labels: labels))
            }
            for state in ["active", "terminating", "unhealthy"] {
                // Every state, so one that emptied reads 0 rather than its last count.
                let stateLabels = labels + [("state", state)]
                registry.makeGauge(descriptor: MetricDescriptors.serviceBackends, labels: stateLabels)
                    .set(Double(snapshot.states[id]?[state] ?? 0))
            }
        }
        for (backend, healthy) in snapshot.healthy {
            registry.makeGauge(descriptor: MetricDescriptors.backendHealthy, labels: [("backend", backend.description)])
                .set(healthy ? 1.0 : 0.0)
        }
        for (id, backend) in snapshot.backends {
            guard let total = (try? maps.backendMetrics.sum(id, { a, b in
                sluice_backend_metrics(connections: a.connections &+ b.connections)
            })) ?? nil else { continue }
            let labels = [("backend", backend.description)]
            counters.mirror(total.connections, for: "be/\(backend)",
                            into: registry.makeCounter(descriptor: MetricDescriptors.backendConnections, labels: labels))
        }
    }

    static func labels(_ frontend: FrontendRef) -> [(String, String)] {
        [("namespace", frontend.service.namespace), ("service", frontend.service.name), ("port", frontend.port),
         ("protocol", frontend.protocol.rawValue), ("family", frontend.family == .v4 ? "ipv4" : "ipv6")]
    }
}
