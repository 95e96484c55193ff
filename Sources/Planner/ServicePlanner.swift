import CSluiceBPF
import Model

/// Turns the cluster's services into the service maps' contents. Pure like the rest of the
/// planner: the same cluster, allocations and health give the same entries, and the same
/// backends give the same Maglev tables on every node.
public enum ServicePlanner {
    /// Settings of the plan that are not in the manifests.
    public struct Options: Sendable, Equatable {
        /// Slots of every Maglev table; a prime, at most SLUICE_MAGLEV_MAX_SIZE.
        public var tableSize: Int
        /// Backends the health prober found failing: in the member map, out of the tables.
        public var unhealthy: Set<BackendRef>

        public init(tableSize: Int = Int(SLUICE_MAGLEV_DEFAULT_SIZE), unhealthy: Set<BackendRef> = []) {
            self.tableSize = tableSize
            self.unhealthy = unhealthy
        }
    }

    /// The service maps' contents for `cluster`. A service whose inputs (the service, its
    /// EndpointSlices or selected pods, the options) equal those of its part of an earlier
    /// plan made with the same `allocations` reuses that part; the rest are planned again.
    public static func plan(_ cluster: Cluster, allocations: inout ServiceAllocations,
                            options: Options = Options()) -> PlannedServices {
        var finder = ServiceBackends(cluster: cluster)
        let (reusable, dropped) = allocations.beginPlan(options: options, services: cluster.services)
        // Which services changed, in any order; then planned in name order (ids are taken in it).
        var changed: [(ref: ObjectRef, inputs: ServiceBackends.Inputs)] = []
        for (ref, service) in cluster.services {
            let inputs = finder.inputs(of: service)
            if reusable, let kept = allocations.parts[ref], kept.part.service == service, kept.part.inputs == inputs {
                continue
            }
            changed.append((ref, inputs))
        }
        var replaced: [(old: KeptPart?, new: KeptPart)] = []
        for (ref, inputs) in changed.sorted(by: { $0.ref < $1.ref }) {
            guard let service = cluster.services[ref] else { continue }
            let part = part(service, ref: ref, inputs: inputs, finder: &finder, options: options,
                            allocations: &allocations)
            replaced.append(allocations.keep(part, for: ref))
        }
        if reusable, var planned = allocations.lastPlan {
            if dropped.isEmpty && replaced.isEmpty { return planned }
            if patch(&planned, dropped: dropped, replaced: replaced, allocations: allocations) {
                planned.frontendIDs = allocations.frontends
                planned.backendIDs = allocations.backends
                allocations.lastPlan = planned
                return planned
            }
        }
        var planned = assemble(allocations.serviceOrder.compactMap { allocations.parts[$0] },
                               sizedLike: allocations.lastPlan)
        // Every held id is in some part, so the allocations are the plan's names reversed.
        planned.frontendIDs = allocations.frontends
        planned.backendIDs = allocations.backends
        allocations.lastPlan = planned
        return planned
    }

    /// The plan from the parts, in service order: the first service to claim a nodePort or
    /// a backend's health check keeps it; a warning appears once.
    private static func assemble(_ parts: [KeptPart], sizedLike last: PlannedServices?) -> PlannedServices {
        var planned = PlannedServices()
        if let last {
            planned.frontends.reserveCapacity(last.frontends.count)
            planned.backends.reserveCapacity(last.backends.count)
            planned.backendNames.reserveCapacity(last.backends.count)
            planned.members.reserveCapacity(last.members.count)
        }
        planned.frontendNames.reserveCapacity(parts.count)
        planned.tables.reserveCapacity(parts.count)
        var warned: Set<String> = []
        for kept in parts {
            let part = kept.part
            planned.insertEntries(of: part)
            for (backend, check) in part.healthChecks where planned.healthChecks[backend] == nil {
                planned.healthChecks[backend] = check
            }
            for warning in part.warnings where warned.insert(warning).inserted { planned.warnings.append(warning) }
            for (key, value) in part.frontends { planned.frontends[key] = value }
            for (key, value, frontend, nodePort) in part.nodePorts {
                addNodePort(key, nodePort: nodePort, value: value, frontend: frontend, into: &planned)
            }
        }
        return planned
    }

    static func frontendKey(_ address: IPAddress, _ port: ServicePort) -> sluice_service_key {
        var key = zeroedABI(sluice_service_key.self)
        withUnsafeMutableBytes(of: &key.addr) { raw in
            for (index, byte) in address.bytes.enumerated() { raw[index] = byte }
        }
        key.port = port.port.bigEndian
        key.protocol = port.protocol.ipProtocolNumber
        key.family = UInt8(address.family == .v4 ? SLUICE_FAMILY_IPV4.rawValue : SLUICE_FAMILY_IPV6.rawValue)
        return key
    }

    static func frontendValue(_ serviceID: UInt32, service: Service, tableSize: Int) -> sluice_service_value {
        var value = zeroedABI(sluice_service_value.self)
        value.service_id = serviceID
        value.table_size = UInt32(tableSize)
        if case .clientIP(let timeout) = service.spec.sessionAffinity {
            value.flags = UInt32(SLUICE_SVC_AFFINITY.rawValue)
            value.affinity_timeout_s = timeout
        }
        return value
    }

    static func backendValue(_ ref: BackendRef) -> sluice_backend_value {
        var value = zeroedABI(sluice_backend_value.self)
        withUnsafeMutableBytes(of: &value.addr) { raw in
            for (index, byte) in ref.address.bytes.enumerated() { raw[index] = byte }
        }
        value.port = ref.port.bigEndian
        value.family = UInt8(ref.address.family == .v4 ? SLUICE_FAMILY_IPV4.rawValue : SLUICE_FAMILY_IPV6.rawValue)
        return value
    }
}
