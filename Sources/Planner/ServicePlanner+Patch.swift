import CSluiceBPF

extension ServicePlanner {
    /// Turns the last plan into this one: takes out the entries of the parts that changed or
    /// went, puts in those of their new versions, then settles the frontend keys and health
    /// checks those parts claim. The cost follows the change, not the number of services.
    static func patch(_ planned: inout PlannedServices, dropped: [KeptPart], replaced: [(old: KeptPart?, new: KeptPart)],
                      allocations: inout ServiceAllocations) -> ServiceDelta {
        var delta = ServiceDelta(base: planned.generation)
        var healthBackends: Set<BackendRef> = []
        // Every old entry goes before any new one: an id a gone part freed may be a new part's.
        for kept in dropped + replaced.compactMap(\.old) {
            remove(kept.part, from: &planned, allocations: allocations)
            delta.insert(kept.part)
            healthBackends.formUnion(kept.part.healthChecks.map(\.backend))
        }
        for (_, kept) in replaced {
            planned.insertEntries(of: kept.part)
            delta.insert(kept.part)
            healthBackends.formUnion(kept.part.healthChecks.map(\.backend))
        }
        settle(&planned, frontendKeys: delta.frontends, healthBackends: healthBackends, allocations: &allocations)
        return delta
    }

    /// The plan of every part, for a first plan or one whose options changed.
    static func assemble(_ allocations: inout ServiceAllocations) -> PlannedServices {
        var planned = PlannedServices()
        for kept in allocations.parts.values { planned.insertEntries(of: kept.part) }
        settle(&planned, frontendKeys: Array(allocations.frontendClaims.keys),
               healthBackends: Array(allocations.healthClaims.keys), allocations: &allocations)
        return planned
    }

    /// Takes out what `part` put in, leaving what another part holds: a backend another
    /// service shares keeps its id and name. Its frontend keys are settled afterwards.
    private static func remove(_ part: ServicePart, from planned: inout PlannedServices,
                               allocations: ServiceAllocations) {
        for (id, frontend) in part.frontendNames where allocations.frontends[frontend] != id {
            planned.frontendNames[id] = nil
        }
        for (id, _, ref) in part.backends where allocations.backends[ref] != id {
            planned.backends[id] = nil
            planned.backendNames[id] = nil
        }
        for (key, _) in part.members { planned.members[key] = nil }
        for (id, _) in part.tables { planned.tables[id] = nil }
    }
}

extension PlannedServices {
    /// A part's names, backends, members and tables (frontend keys and health checks are
    /// claimed, and settled among their claimants).
    mutating func insertEntries(of part: ServicePart) {
        for (id, frontend) in part.frontendNames { frontendNames[id] = frontend }
        for (id, value, ref) in part.backends {
            backends[id] = value
            backendNames[id] = ref
        }
        for (key, value) in part.members { members[key] = value }
        for (id, table) in part.tables { tables[id] = table }
    }
}
