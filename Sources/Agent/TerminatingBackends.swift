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
    /// The plan's TERMINATING members, by key: kept from one update to the next, so an
    /// update with a delta looks only at the keys that changed.
    private var terminatingMembers: [sluice_service_member_key: ServiceMembership] = [:]

    init(grace: Duration) {
        self.grace = grace
    }

    /// Memberships to hold (with their backend ids) and to drop, given the new plan and
    /// what was applied last (after draining). With `touched` (the member keys that may
    /// differ between the two), only those are looked at; otherwise every member is.
    mutating func update(planned: PlannedServices, previous: PlannedServices?, touched: ServiceDelta? = nil,
                         now: ContinuousClock.Instant) -> (keep: [ServiceMembership: UInt32], expired: Set<ServiceMembership>) {
        noteTerminating(in: planned, at: touched?.members)
        let terminating = Set(terminatingMembers.values)
        over = over.filter { terminating.contains($0) }
        // Taking flows again: no longer draining.
        for membership in since.keys where !terminating.contains(membership) && planned.member(membership) != nil {
            since[membership] = nil
        }
        for (key, membership) in terminatingMembers where since[membership] == nil && !over.contains(membership) {
            since[membership] = (now, key.backend_id)
        }
        if let previous {
            noteGone(from: previous, in: planned, at: touched?.members, now: now)
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
            if terminating.contains(membership) { over.insert(membership) }
        }
        return (keep, over)
    }

    /// Keeps `terminatingMembers` equal to the plan's TERMINATING members, looking only at
    /// `keys` when given.
    private mutating func noteTerminating(in planned: PlannedServices, at keys: Set<sluice_service_member_key>?) {
        func note(_ key: sluice_service_member_key, _ member: sluice_service_member_value) {
            guard member.state == SLUICE_MEMBER_TERMINATING.rawValue, let membership = Self.membership(key, in: planned)
            else { return }
            terminatingMembers[key] = membership
        }
        guard let keys else {
            terminatingMembers = [:]
            for (key, member) in planned.members { note(key, member) }
            return
        }
        for key in keys {
            terminatingMembers[key] = nil
            if let member = planned.members[key] { note(key, member) }
        }
    }

    /// Starts the grace period of each membership of `previous` that `planned` no longer has
    /// by name (its member key may be gone, or its ids may name others now).
    private mutating func noteGone(from previous: PlannedServices, in planned: PlannedServices,
                                   at keys: Set<sluice_service_member_key>?, now: ContinuousClock.Instant) {
        func note(_ key: sluice_service_member_key) {
            guard let membership = Self.membership(key, in: previous), since[membership] == nil,
                  planned.member(membership) == nil
            else { return }
            since[membership] = (now, key.backend_id)
        }
        if let keys {
            for key in keys where previous.members[key] != nil { note(key) }
            return
        }
        let renamed = Self.renamedIDs(from: previous, in: planned)
        for key in previous.members.keys where planned.members[key] == nil
            || renamed.services.contains(key.service_id) || renamed.backends.contains(key.backend_id) {
            note(key)
        }
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
