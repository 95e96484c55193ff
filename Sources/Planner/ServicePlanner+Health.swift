import CSluiceBPF

extension ServicePlanner {
    /// `planned` with the backends in `unhealthy` taken out of new flows: their active
    /// memberships become UNHEALTHY and the tables of the services they were in are rebuilt
    /// from the remaining active members (same size, same placement rules), or dropped when
    /// none remains. Pure: the agent applies it between plans as probe results come in.
    public static func applyingHealth(_ planned: PlannedServices, unhealthy: Set<BackendRef>) -> PlannedServices {
        guard !unhealthy.isEmpty else { return planned }
        var result = planned
        var affected: Set<UInt32> = []
        for (key, member) in planned.members where member.state == SLUICE_MEMBER_ACTIVE.rawValue {
            guard let ref = planned.backendNames[key.backend_id], unhealthy.contains(ref) else { continue }
            result.members[key] = sluice_service_member_value(state: SLUICE_MEMBER_UNHEALTHY.rawValue, weight: member.weight)
            affected.insert(key.service_id)
        }
        guard !affected.isEmpty else { return planned }
        var active: [UInt32: [MaglevTable.Member]] = [:]
        for (key, member) in result.members where affected.contains(key.service_id)
            && member.state == SLUICE_MEMBER_ACTIVE.rawValue {
            guard let ref = result.backendNames[key.backend_id] else { continue }
            active[key.service_id, default: []].append(.init(id: key.backend_id, identity: ref.identity, weight: member.weight))
        }
        var sizes: [UInt32: Int] = [:]
        for serviceID in affected {
            let members = active[serviceID] ?? []
            let size = planned.tables[serviceID]?.size ?? 0
            guard !members.isEmpty, size > 1 else {
                result.tables[serviceID] = nil
                sizes[serviceID] = 0
                continue
            }
            result.tables[serviceID] = MaglevTable(members: members, size: size)
            sizes[serviceID] = size
        }
        for (key, value) in planned.frontends {
            guard let size = sizes[value.service_id] else { continue }
            var changed = value
            changed.table_size = UInt32(size)
            result.frontends[key] = changed
        }
        return result
    }
}
