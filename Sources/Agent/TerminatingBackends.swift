import CSluiceBPF
import Planner

/// When each terminating membership began draining, so it is held for the grace period and
/// then let go. A membership drains from the first plan that shows it TERMINATING (an
/// EndpointSlice `terminating` endpoint, weight 0) or no longer has it (its pod was deleted),
/// and stops draining when a plan shows it taking flows again.
struct TerminatingBackends {
    let grace: Duration
    private var since: [ServiceMembership: (start: ContinuousClock.Instant, serviceID: UInt32, backendID: UInt32)] = [:]
    /// Past their grace period but still TERMINATING in the plan: kept out of it.
    private var over: Set<ServiceMembership> = []

    init(grace: Duration) {
        self.grace = grace
    }

    /// Memberships to hold (with their backend ids) and to drop, given the new plan and
    /// what was applied last (after draining). Works on ids: only memberships that drain,
    /// or that the plan lost, are named, so ten thousand unchanged services cost a lookup
    /// of each member key.
    mutating func update(planned: PlannedServices, previous: PlannedServices?, now: ContinuousClock.Instant)
        -> (keep: [ServiceMembership: UInt32], expired: Set<ServiceMembership>) {
        var lookup = MembershipLookup(planned)
        var terminating: [ServiceMembership: (serviceID: UInt32, backendID: UInt32)] = [:]
        for (key, member) in planned.members where member.state == SLUICE_MEMBER_TERMINATING.rawValue {
            guard let membership = Self.membership(key, in: planned) else { continue }
            terminating[membership] = (key.service_id, key.backend_id)
        }
        over = over.filter { terminating[$0] != nil }
        // Taking flows again: no longer draining.
        for (membership, entry) in since where terminating[membership] == nil
            && lookup.state(of: membership, serviceID: entry.serviceID, backendID: entry.backendID) != nil {
            since[membership] = nil
        }
        for (membership, ids) in terminating where since[membership] == nil && !over.contains(membership) {
            since[membership] = (now, ids.serviceID, ids.backendID)
        }
        if let previous {
            for (key, _) in previous.members where Self.lost(key, from: previous, in: planned) {
                guard let membership = Self.membership(key, in: previous), since[membership] == nil,
                      lookup.state(of: membership, serviceID: key.service_id, backendID: key.backend_id) == nil
                else { continue }
                since[membership] = (now, key.service_id, key.backend_id)
            }
        }
        var keep: [ServiceMembership: UInt32] = [:]
        for (membership, entry) in since {
            if now - entry.start < grace {
                if lookup.state(of: membership, serviceID: entry.serviceID, backendID: entry.backendID) == nil {
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

    /// Whether `planned` may lack the membership `key` named in `previous`: its key is gone or
    /// its ids name something else now (the caller then looks it up by name).
    private static func lost(_ key: sluice_service_member_key, from previous: PlannedServices,
                             in planned: PlannedServices) -> Bool {
        planned.members[key] == nil
            || planned.frontendNames[key.service_id] != previous.frontendNames[key.service_id]
            || planned.backendNames[key.backend_id] != previous.backendNames[key.backend_id]
    }

    /// When the next held membership's grace period ends; nil when none drains.
    var nextExpiry: ContinuousClock.Instant? {
        since.values.map { $0.start + grace }.min()
    }
}

/// Finds a membership's state in a plan by name: through the ids it was seen with, which
/// almost always still name it; a reverse index of the plan's names is built only when not.
private struct MembershipLookup {
    let plan: PlannedServices
    private var frontendIDs: [FrontendRef: UInt32]?
    private var backendIDs: [BackendRef: UInt32]?

    init(_ plan: PlannedServices) {
        self.plan = plan
    }

    mutating func state(of membership: ServiceMembership, serviceID: UInt32, backendID: UInt32) -> UInt32? {
        if plan.frontendNames[serviceID] == membership.frontend && plan.backendNames[backendID] == membership.backend {
            return plan.members[sluice_service_member_key(service_id: serviceID, backend_id: backendID)]?.state
        }
        let frontends = frontendIDs ?? Dictionary(plan.frontendNames.map { ($0.value, $0.key) }) { first, _ in first }
        let backends = backendIDs ?? Dictionary(plan.backendNames.map { ($0.value, $0.key) }) { first, _ in first }
        frontendIDs = frontends
        backendIDs = backends
        guard let service = frontends[membership.frontend], let backend = backends[membership.backend] else { return nil }
        return plan.members[sluice_service_member_key(service_id: service, backend_id: backend)]?.state
    }
}
