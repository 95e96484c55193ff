import BPF
import CSluiceBPF
import HashTreeCollections
import Planner
import Synchronization

/// Per-service and per-backend counters of the socket load balancer, copied from its per-CPU
/// maps into the registry on every scrape, labelled with what the last sync named each id.
final class ServiceMetrics: Sendable {
    private let maps: ServiceMaps
    private let names = Mutex(Names())
    private let closedSockets = Atomic<UInt64>(0)
    private let provisional = Atomic<Int>(0)

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

    /// How many services balance on a provisional Maglev table (ServiceSync+Staging.swift).
    func provisionalTables(_ count: Int) {
        provisional.store(count, ordering: .relaxed)
    }

    /// Connected UDP sockets closed because their backend left the service.
    func socketsClosed(_ count: Int) {
        closedSockets.add(UInt64(count), ordering: .relaxed)
    }

    /// The service families, read from the maps now, in the text format (ExpositionText):
    /// each scrape writes every series of the services and backends in force, so a gone
    /// service's series go with it, and a counter whose id was reused starts again from 0
    /// (a reset, to Prometheus).
    func render() -> [UInt8] {
        let snapshot = names.withLock { $0 }
        let frontends = snapshot.frontends.sorted { $0.key < $1.key }
            .map { (id: $0.key, labels: ExpositionText.labels(Self.labels($0.value))) }
        let totals = frontends.map { frontend in
            (try? maps.serviceMetrics.sum(frontend.id, { a, b in
                sluice_service_metrics(connections: a.connections &+ b.connections, no_backend: a.no_backend &+ b.no_backend)
            })) ?? nil
        }
        var text = ExpositionText()
        text.family(MetricDescriptors.serviceConnections, type: "counter", samples: zip(frontends, totals).lazy
            .compactMap { frontend, total in total.map { (frontend.labels, $0.connections) } })
        text.family(MetricDescriptors.serviceNoBackend, type: "counter", samples: zip(frontends, totals).lazy
            .compactMap { frontend, total in total.map { (frontend.labels, $0.no_backend) } })
        // Every state, so one that emptied reads 0 rather than vanishing.
        text.family(MetricDescriptors.serviceBackends, type: "gauge", samples: frontends.lazy.flatMap { frontend in
            ["active", "terminating", "unhealthy"].map { state in
                ("\(frontend.labels),state=\"\(state)\"", UInt64(max(0, snapshot.states[frontend.id]?[state] ?? 0)))
            }
        })
        text.family(MetricDescriptors.backendHealthy, type: "gauge", samples: snapshot.healthy
            .map { (ExpositionText.labels([("backend", $0.key.description)]), UInt64($0.value ? 1 : 0)) }
            .sorted { $0.0 < $1.0 })
        let backends = snapshot.backends.sorted { $0.key < $1.key }
        text.family(MetricDescriptors.backendConnections, type: "counter", samples: backends.lazy.compactMap { id, backend in
            let total = (try? self.maps.backendMetrics.sum(id, { a, b in
                sluice_backend_metrics(connections: a.connections &+ b.connections)
            })) ?? nil
            return total.map { (ExpositionText.labels([("backend", backend.description)]), $0.connections) }
        })
        text.family(MetricDescriptors.udpSocketsClosed, type: "counter",
                    samples: [(labels: "", value: closedSockets.load(ordering: .relaxed))])
        text.family(MetricDescriptors.provisionalTables, type: "gauge",
                    samples: [(labels: "", value: UInt64(max(0, provisional.load(ordering: .relaxed))))])
        return text.bytes
    }

    static func labels(_ frontend: FrontendRef) -> [(String, String)] {
        [("namespace", frontend.service.namespace), ("service", frontend.service.name), ("port", frontend.port),
         ("protocol", frontend.protocol.rawValue), ("family", frontend.family == .v4 ? "ipv4" : "ipv6")]
    }
}
