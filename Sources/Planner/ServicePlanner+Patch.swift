import CSluiceBPF

extension ServicePlanner {
    /// Turns the last plan into this one by taking out the parts that changed or went and
    /// putting in their new versions: the cost follows the change, not the number of
    /// services. The entries that depend on the order of services (nodePort claims, health
    /// checks, warnings) are gathered again from every part. False when a new part claims a
    /// frontend another service holds: then the caller assembles the plan whole, in order.
    static func patch(_ planned: inout PlannedServices, dropped: [KeptPart],
                      replaced: [(old: KeptPart?, new: KeptPart)], allocations: ServiceAllocations) -> Bool {
        var nodePortKeys: [sluice_service_key] = []
        for kept in dropped {
            remove(kept.part, from: &planned, allocations: allocations)
            nodePortKeys += kept.part.nodePorts.map(\.key)
        }
        // In plan order: an id one old part freed is only taken by a later new part.
        for (old, new) in replaced {
            if let old {
                remove(old.part, from: &planned, allocations: allocations)
                nodePortKeys += old.part.nodePorts.map(\.key)
            }
            guard add(new.part, to: &planned) else { return false }
        }

        // Parts without nodePorts, health checks or warnings leave those as they were.
        let touched = dropped.map(\.part) + replaced.flatMap { [$0.old?.part, $0.new.part].compactMap { $0 } }
        guard touched.contains(where: { !$0.nodePorts.isEmpty || !$0.healthChecks.isEmpty || !$0.warnings.isEmpty })
        else { return true }

        var ordered: [ServicePart] = []
        planned.healthChecks = [:]
        planned.warnings = []
        var warned: Set<String> = []
        for ref in allocations.serviceOrder {
            guard let part = allocations.parts[ref]?.part else { continue }
            if !part.nodePorts.isEmpty {
                ordered.append(part)
                nodePortKeys += part.nodePorts.map(\.key)
            }
            for (backend, check) in part.healthChecks where planned.healthChecks[backend] == nil {
                planned.healthChecks[backend] = check
            }
            for warning in part.warnings where warned.insert(warning).inserted { planned.warnings.append(warning) }
        }
        for key in nodePortKeys { planned.frontends[key] = nil }
        var nodePortWarnings: [String] = []
        for part in ordered {
            for (key, value, frontend, nodePort) in part.nodePorts {
                let before = planned.warnings.count
                addNodePort(key, nodePort: nodePort, value: value, frontend: frontend, into: &planned)
                nodePortWarnings += planned.warnings[before...]
                planned.warnings.removeSubrange(before...)
            }
        }
        for warning in nodePortWarnings where warned.insert(warning).inserted { planned.warnings.append(warning) }
        return true
    }

    /// Takes out what `part` put in, leaving what another part holds: a backend another
    /// service shares keeps its id, a frontend key another service took is not touched.
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
        for (key, value) in part.frontends where planned.frontends[key]?.service_id == value.service_id {
            planned.frontends[key] = nil
        }
    }

    /// Puts `part` in; false when one of its frontend keys is held by another service.
    private static func add(_ part: ServicePart, to planned: inout PlannedServices) -> Bool {
        let ids = Set(part.frontendNames.map(\.id))
        for (key, value) in part.frontends {
            if let holder = planned.frontends[key], !ids.contains(holder.service_id) { return false }
            planned.frontends[key] = value
        }
        planned.insertEntries(of: part)
        return true
    }
}

extension PlannedServices {
    /// A part's names, backends, members and tables (frontends and node ports have owners to check).
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
