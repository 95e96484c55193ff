import CSluiceBPF

/// One backend's membership in one service port, named so it outlives the ids of one plan.
public struct ServiceMembership: Hashable, Sendable, CustomStringConvertible {
    public var frontend: FrontendRef
    public var backend: BackendRef

    public init(frontend: FrontendRef, backend: BackendRef) {
        self.frontend = frontend
        self.backend = backend
    }

    public var description: String { "\(frontend) -> \(backend)" }
}

extension ServicePlanner {
    /// Every membership of `planned` with its state and ids.
    public static func memberships(_ planned: PlannedServices)
        -> [ServiceMembership: (serviceID: UInt32, backendID: UInt32, state: UInt32)] {
        var result: [ServiceMembership: (serviceID: UInt32, backendID: UInt32, state: UInt32)] = [:]
        for (key, member) in planned.members {
            guard let frontend = planned.frontendNames[key.service_id],
                  let backend = planned.backendNames[key.backend_id] else { continue }
            result[ServiceMembership(frontend: frontend, backend: backend)] = (key.service_id, key.backend_id, member.state)
        }
        return result
    }

    /// `planned` with terminating backends held to their grace period: each membership in
    /// `keep` that the plan no longer has (its pod was deleted, its endpoint left the slice)
    /// comes back as TERMINATING under the backend id it had (`keep`'s value), so established
    /// flows stay on it and no new flow goes there; each in `expired` leaves the plan. A kept
    /// membership whose service is gone, or whose backend id now names another backend, is
    /// dropped. A held backend is not added to `backendIDs`, which name the planner's own
    /// ids. Pure: the agent tracks the clocks.
    public static func applyingDrain(_ planned: PlannedServices, keep: [ServiceMembership: UInt32],
                                     expired: Set<ServiceMembership>) -> PlannedServices {
        guard !keep.isEmpty || !expired.isEmpty else { return planned }
        var result = planned
        for (membership, backendID) in keep where planned.member(membership) == nil {
            guard let serviceID = planned.frontendIDs[membership.frontend] else { continue }
            if let holder = result.backendNames[backendID], holder != membership.backend { continue }
            result.backends[backendID] = backendValue(membership.backend)
            result.backendNames[backendID] = membership.backend
            result.members[sluice_service_member_key(service_id: serviceID, backend_id: backendID)] =
                sluice_service_member_value(state: SLUICE_MEMBER_TERMINATING.rawValue, weight: 0)
        }
        for membership in expired {
            guard let ids = planned.member(membership), ids.state == SLUICE_MEMBER_TERMINATING.rawValue else { continue }
            result.members[sluice_service_member_key(service_id: ids.serviceID, backend_id: ids.backendID)] = nil
        }
        return result
    }

    /// The entries `applyingDrain(planned, keep:, expired:)` may change: the backends and
    /// members it holds or drops, so a caller that writes only what changed writes these too.
    public static func drainedEntries(_ planned: PlannedServices, keep: [ServiceMembership: UInt32],
                                      expired: Set<ServiceMembership>) -> ServiceDelta {
        var entries = ServiceDelta(base: planned.generation)
        for (membership, backendID) in keep {
            guard let serviceID = planned.frontendIDs[membership.frontend] else { continue }
            entries.backends.insert(backendID)
            entries.members.insert(sluice_service_member_key(service_id: serviceID, backend_id: backendID))
        }
        for membership in expired {
            guard let ids = planned.member(membership) else { continue }
            entries.members.insert(sluice_service_member_key(service_id: ids.serviceID, backend_id: ids.backendID))
        }
        return entries
    }
}
