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

    public static func plan(_ cluster: Cluster, allocations: inout ServiceAllocations,
                            options: Options = Options()) -> PlannedServices {
        var planned = PlannedServices()
        var finder = ServiceBackends(cluster: cluster)
        var liveFrontends: Set<FrontendRef> = []
        var liveBackends: Set<BackendRef> = []

        for ref in cluster.services.keys.sorted() {
            guard let service = cluster.services[ref] else { continue }
            let (healthCheck, problems) = HealthCheck.from(service.metadata.annotations)
            planned.warnings += problems.map { "service \(ref): \($0)" }
            for address in service.spec.clusterIPs {
                for port in service.spec.ports {
                    let frontend = FrontendRef(service: ref, port: port.name ?? String(port.port),
                                               protocol: port.protocol, family: address.family)
                    guard let serviceID = allocations.id(of: frontend) else {
                        planned.warnings.append("\(frontend): no service id left (\(SLUICE_SERVICES_MAX - 1) in use); not balanced")
                        continue
                    }
                    liveFrontends.insert(frontend)
                    if planned.frontendNames[serviceID] == nil {
                        planned.frontendNames[serviceID] = frontend
                        let backends = finder.backends(of: service, port: port, family: address.family)
                        addBackends(backends, serviceID: serviceID, frontend: frontend, options: options,
                                    allocations: &allocations, live: &liveBackends, into: &planned)
                        if let healthCheck, port.protocol == .tcp {
                            for backend in backends where planned.healthChecks[backend.ref] == nil {
                                planned.healthChecks[backend.ref] = healthCheck
                            }
                        }
                    }
                    let value = frontendValue(serviceID, service: service,
                                              tableSize: planned.tables[serviceID]?.slots.count ?? 0)
                    planned.frontends[frontendKey(address, port)] = value
                    if service.spec.type == .nodePort, let nodePort = port.nodePort {
                        addNodePort(nodePort, family: address.family, port: port, value: value, frontend: frontend,
                                    into: &planned)
                    }
                }
            }
        }
        planned.warnings += finder.warnings
        allocations.retain(frontends: liveFrontends, backends: liveBackends)
        return planned
    }

    private static func addBackends(_ backends: [ServiceBackend], serviceID: UInt32, frontend: FrontendRef,
                                    options: Options, allocations: inout ServiceAllocations,
                                    live: inout Set<BackendRef>, into planned: inout PlannedServices) {
        var tableMembers: [ServiceAllocations.TableKey.Member] = []
        for backend in backends {
            guard let backendID = allocations.id(of: backend.ref) else {
                planned.warnings.append("\(frontend): no backend id left for \(backend.ref); left out")
                continue
            }
            live.insert(backend.ref)
            planned.backends[backendID] = backendValue(backend.ref)
            planned.backendNames[backendID] = backend.ref
            let state: sluice_member_state
            if backend.terminating {
                state = SLUICE_MEMBER_TERMINATING
            } else if options.unhealthy.contains(backend.ref) {
                state = SLUICE_MEMBER_UNHEALTHY
            } else if backend.weight == 0 {
                // Weight 0 drains like a terminating backend.
                state = SLUICE_MEMBER_TERMINATING
            } else {
                state = SLUICE_MEMBER_ACTIVE
                tableMembers.append(.init(id: backendID, identity: backend.ref.identity, weight: backend.weight))
            }
            planned.members[sluice_service_member_key(service_id: serviceID, backend_id: backendID)] =
                sluice_service_member_value(state: state.rawValue, weight: backend.weight)
        }
        guard !tableMembers.isEmpty else { return }
        planned.tables[serviceID] = allocations.table(.init(members: tableMembers, size: options.tableSize))
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
