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
    /// With `changes` (what changed since that plan), only the services they name are looked
    /// at, and the plan says in `delta` which entries may differ from the last one.
    public static func plan(_ cluster: Cluster, allocations: inout ServiceAllocations,
                            options: Options = Options(), changes: ServiceChanges? = nil) -> PlannedServices {
        var finder = ServiceBackends(cluster: cluster)
        let reusable = allocations.beginPlan(options: options)
        let last = allocations.takeLastPlan()
        let candidates: Set<ObjectRef> = if reusable, last != nil, let changes {
            changes.candidates(in: cluster)
        } else {
            Set(cluster.services.keys).union(allocations.parts.keys)
        }
        var dropped: [KeptPart] = []
        var changed: [(ref: ObjectRef, inputs: ServiceBackends.Inputs)] = []
        for ref in candidates {
            guard let service = cluster.services[ref] else {
                if let kept = allocations.drop(ref) { dropped.append(kept) }
                continue
            }
            let inputs = finder.inputs(of: service)
            if reusable, let kept = allocations.parts[ref], kept.part.service == service, kept.part.inputs == inputs {
                continue
            }
            changed.append((ref, inputs))
        }
        // Planned in name order: ids are taken in it.
        var replaced: [(old: KeptPart?, new: KeptPart)] = []
        for (ref, inputs) in changed.sorted(by: { $0.ref < $1.ref }) {
            guard let service = cluster.services[ref] else { continue }
            let part = part(service, ref: ref, inputs: inputs, finder: &finder, options: options,
                            allocations: &allocations)
            replaced.append(allocations.keep(part, for: ref))
        }
        allocations.endReservations()
        var planned: PlannedServices
        if reusable, var last {
            guard !dropped.isEmpty || !replaced.isEmpty else {
                allocations.lastPlan = last
                return last
            }
            let delta = patch(&last, dropped: dropped, replaced: replaced, allocations: &allocations)
            planned = last
            planned.delta = delta
        } else {
            planned = assemble(&allocations)
            planned.delta = nil
        }
        planned.generation = PlanGenerations.next()
        // Every held id is in some part, so the allocations are the plan's names reversed.
        planned.frontendIDs = allocations.frontends
        planned.backendIDs = allocations.backends
        allocations.lastPlan = planned
        return planned
    }

    static func frontendKey(_ address: IPAddress, _ port: ServicePort) -> sluice_service_key {
        var key = zeroedABI(sluice_service_key.self)
        key.addr = address.abi
        key.port = port.port.bigEndian
        key.protocol = port.protocol.ipProtocolNumber
        key.family = address.family.abi
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

    /// The backend a `sluice_be_v1` value names, under `ipProtocol` (a value carries none:
    /// it is the protocol of a service the backend is a member of); nil for an unused id.
    public static func backendRef(_ value: sluice_backend_value, ipProtocol: UInt8) -> BackendRef? {
        guard let transport = TransportProtocol.allCases.first(where: { $0.ipProtocolNumber == ipProtocol }),
              let address = IPAddress(abi: value.addr, family: value.family)
        else { return nil }
        return BackendRef(address: address, port: UInt16(bigEndian: value.port), protocol: transport)
    }

    static func backendValue(_ ref: BackendRef) -> sluice_backend_value {
        var value = zeroedABI(sluice_backend_value.self)
        value.addr = ref.address.abi
        value.port = ref.port.bigEndian
        value.family = ref.address.family.abi
        return value
    }
}
