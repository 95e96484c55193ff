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
    /// what was applied last (after draining). Works on ids: only memberships that drain,
    /// or that the plan lost, are named and looked up (PlannedServices.member), so ten
    /// thousand unchanged services cost a lookup of each member key.
    mutating func update(planned: PlannedServices, previous: PlannedServices?, now: ContinuousClock.Instant)
        -> (keep: [ServiceMembership: UInt32], expired: Set<ServiceMembership>) {
        var terminating: [ServiceMembership: UInt32] = [:]
        for (key, member) in planned.members where member.state == SLUICE_MEMBER_TERMINATING.rawValue {
            guard let membership = Self.membership(key, in: planned) else { continue }
            terminating[membership] = key.backend_id
        }
        over = over.filter { terminating[$0] != nil }
        // Taking flows again: no longer draining.
        for membership in since.keys where terminating[membership] == nil
            && planned.member(membership) != nil {
            since[membership] = nil
        }
        for (membership, backendID) in terminating where since[membership] == nil && !over.contains(membership) {
            since[membership] = (now, backendID)
        }
        if let previous {
            let renamed = Self.renamedIDs(from: previous, in: planned)
            for (key, _) in previous.members where planned.members[key] == nil
                || renamed.services.contains(key.service_id) || renamed.backends.contains(key.backend_id) {
                guard let membership = Self.membership(key, in: previous), since[membership] == nil,
                      planned.member(membership) == nil
                else { continue }
                since[membership] = (now, key.backend_id)
            }
        }
        var keep: [ServiceMembership: UInt32] = [:]
        for (membership, entry) in since {
            if now - entry.start < grace {
                if planned.member(membership) == nil {
                    keep[membership] = entry.backendID
                }
                continue
            }
            since[membership] = nil
            if terminating[membership] != nil { over.insert(membership) }
        }
        return (keep, over)
    }

    /// The names of member `key` in `plan`.
    private static func membership(_ key: sluice_service_member_key, in plan: PlannedServices) -> ServiceMembership? {
        guard let frontend = plan.frontendNames[key.service_id], let backend = plan.backendNames[key.backend_id]
        else { return nil }
        return ServiceMembership(frontend: frontend, backend: backend)
    }

    /// Ids `previous` and `planned` both use but for different frontends or backends (freed
    /// and taken again in between): their memberships in `previous` may be gone by name
    /// even where the same member key is planned. Checked once per id, not per member.
    private static func renamedIDs(from previous: PlannedServices, in planned: PlannedServices)
        -> (services: Set<UInt32>, backends: Set<UInt32>) {
        var services: Set<UInt32> = []
        var backends: Set<UInt32> = []
        for (id, frontend) in previous.frontendNames where planned.frontendNames[id].map({ $0 != frontend }) ?? false {
            services.insert(id)
        }
        for (id, backend) in previous.backendNames where planned.backendNames[id].map({ $0 != backend }) ?? false {
            backends.insert(id)
        }
        return (services, backends)
    }

    /// When the next held membership's grace period ends; nil when none drains.
    var nextExpiry: ContinuousClock.Instant? {
        since.values.map { $0.start + grace }.min()
    }
}
