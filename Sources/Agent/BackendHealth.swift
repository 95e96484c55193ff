import Planner

/// What the probes say of each backend: healthy until `unhealthyThreshold` probes in a row
/// fail, unhealthy until `healthyThreshold` pass. New backends start healthy, so a service
/// going from zero to some backends takes traffic at once.
struct BackendHealth {
    private struct Record {
        var healthy = true
        var streak = 0
        var nextDue: ContinuousClock.Instant
    }

    private var records: [BackendRef: Record] = [:]
    private(set) var checks: [BackendRef: HealthCheck] = [:]

    /// Kept with the records, so reading it costs nothing however many backends are probed.
    private(set) var unhealthy: Set<BackendRef> = []

    func isHealthy(_ backend: BackendRef) -> Bool { records[backend]?.healthy ?? true }

    /// Follows the plan: new backends are due at once, gone ones are forgotten.
    mutating func track(_ checks: [BackendRef: HealthCheck], now: ContinuousClock.Instant = .now) {
        self.checks = checks
        records = records.filter { checks[$0.key] != nil }
        unhealthy = unhealthy.filter { checks[$0] != nil }
        for backend in checks.keys where records[backend] == nil {
            records[backend] = Record(nextDue: now)
        }
    }

    /// Backends whose probe is due by `now`, and when the next one after them is.
    func due(now: ContinuousClock.Instant) -> (due: [TCPProbe.Target], next: ContinuousClock.Instant?) {
        var due: [TCPProbe.Target] = []
        for (backend, record) in records where record.nextDue <= now {
            if let check = checks[backend] { due.append(.init(backend: backend, timeout: check.timeout)) }
        }
        return (due, records.values.map(\.nextDue).min())
    }

    /// Records probe results; true when some backend changed state.
    mutating func record(_ results: [BackendRef: Bool], now: ContinuousClock.Instant) -> Bool {
        var changed = false
        for (backend, passed) in results {
            guard var record = records[backend], let check = checks[backend] else { continue }
            record.nextDue = now + check.interval
            if passed == record.healthy {
                record.streak = 0
            } else {
                record.streak += 1
                if record.streak >= (record.healthy ? check.unhealthyThreshold : check.healthyThreshold) {
                    record.healthy = passed
                    record.streak = 0
                    changed = true
                    if passed { unhealthy.remove(backend) } else { unhealthy.insert(backend) }
                }
            }
            records[backend] = record
        }
        return changed
    }
}
