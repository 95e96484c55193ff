import CSluiceBPF
import Planner

/// When each terminating membership began draining, so it is held for the grace period and
/// then let go. A membership drains from the first plan that shows it TERMINATING (an
/// EndpointSlice `terminating` endpoint, weight 0) or no longer has it (its pod was deleted),
/// and stops draining when a plan shows it taking flows again.
struct TerminatingBackends {
    let grace: Duration
    private var since: [ServiceMembership: (start: ContinuousClock.Instant, backendID: UInt32)] = [:]
    /// Past their grace period but still TERMINATING in the plan: kept out of it.
    private var over: Set<ServiceMembership> = []

    init(grace: Duration) {
        self.grace = grace
    }

    /// Memberships to hold (with their backend ids) and to drop, given the new plan and
    /// what was applied last (after draining).
    mutating func update(planned: PlannedServices, previous: PlannedServices?, now: ContinuousClock.Instant)
        -> (keep: [ServiceMembership: UInt32], expired: Set<ServiceMembership>) {
        let current = ServicePlanner.memberships(planned)
        let terminating = Set(current.filter { $0.value.state == SLUICE_MEMBER_TERMINATING.rawValue }.keys)
        over.formIntersection(terminating)
        for (membership, ids) in current {
            if ids.state != SLUICE_MEMBER_TERMINATING.rawValue {
                since[membership] = nil
            } else if since[membership] == nil && !over.contains(membership) {
                since[membership] = (now, ids.backendID)
            }
        }
        if let previous {
            for (membership, ids) in ServicePlanner.memberships(previous) where current[membership] == nil
                && since[membership] == nil {
                since[membership] = (now, ids.backendID)
            }
        }
        var keep: [ServiceMembership: UInt32] = [:]
        for (membership, entry) in since {
            if now - entry.start < grace {
                if current[membership] == nil { keep[membership] = entry.backendID }
                continue
            }
            since[membership] = nil
            if terminating.contains(membership) { over.insert(membership) }
        }
        return (keep, over)
    }

    /// When the next held membership's grace period ends; nil when none drains.
    var nextExpiry: ContinuousClock.Instant? {
        since.values.map { $0.start + grace }.min()
    }
}
