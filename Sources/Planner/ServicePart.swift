import CSluiceBPF
import Model

/// One service's share of a plan, kept with what it was made from: a service whose inputs
/// are unchanged is copied into the next plan instead of planned again, so a change to one
/// of ten thousand services costs one service's planning.
struct ServicePart: Sendable {
    /// What the part was made from: the service and its backends' sources.
    var service: Service
    var inputs: ServiceBackends.Inputs

    /// Cluster IP and NodePort frontends this part claims; where two services claim one key,
    /// the first by name holds it (ServicePlanner+Claims.swift).
    var frontends: [FrontendEntry] = []
    var frontendNames: [(id: UInt32, frontend: FrontendRef)] = []
    var backends: [(id: UInt32, value: sluice_backend_value, ref: BackendRef)] = []
    var members: [(key: sluice_service_member_key, value: sluice_service_member_value)] = []
    var tables: [(id: UInt32, table: MaglevTable)] = []
    /// In the order met; the plan keeps the first check of each backend.
    var healthChecks: [(backend: BackendRef, check: HealthCheck)] = []
    var warnings: [String] = []

    /// The frontends and backends whose ids this part holds (ServiceAllocations frees an id
    /// no part holds); a backend of several ports counts once.
    var heldFrontends: [FrontendRef] { frontendNames.map(\.frontend) }
    var heldBackends: Set<BackendRef> { Set(backends.map(\.ref)) }

    init(service: Service, inputs: ServiceBackends.Inputs) {
        self.service = service
        self.inputs = inputs
    }
}

/// One frontend key a part claims, and what for.
struct FrontendEntry: Sendable {
    var key: sluice_service_key
    var value: sluice_service_value
    var frontend: FrontendRef
    /// Set for a NodePort frontend; nil for a cluster IP.
    var nodePort: UInt16?
}

/// A part as ServiceAllocations keeps it: shared, not copied, from one plan to the next.
final class KeptPart: Sendable {
    let part: ServicePart

    init(_ part: ServicePart) {
        self.part = part
    }
}

extension ServicePlanner {
    /// Plans `service` alone (as `plan` did per service before parts were kept).
    static func part(_ service: Service, ref: ObjectRef, inputs: ServiceBackends.Inputs, finder: inout ServiceBackends,
                     options: Options, allocations: inout ServiceAllocations) -> ServicePart {
        var part = ServicePart(service: service, inputs: inputs)
        let (healthCheck, problems) = HealthCheck.from(service.metadata.annotations)
        part.warnings += problems.map { "service \(ref): \($0)" }
        var planned: Set<UInt32> = []
        var tableSizes: [UInt32: Int] = [:]
        for address in service.spec.clusterIPs {
            for port in service.spec.ports {
                let frontend = FrontendRef(service: ref, port: port.name ?? String(port.port),
                                           protocol: port.protocol, family: address.family)
                guard let serviceID = allocations.id(of: frontend, key: frontendKey(address, port)) else {
                    part.warnings.append("\(frontend): no service id left (\(SLUICE_SERVICES_MAX - 1) in use); not balanced")
                    continue
                }
                if planned.insert(serviceID).inserted {
                    part.frontendNames.append((serviceID, frontend))
                    let backends = finder.backends(of: service, port: port, family: address.family)
                    tableSizes[serviceID] = addBackends(backends, serviceID: serviceID, frontend: frontend,
                                                        options: options, allocations: &allocations, into: &part)
                    if let healthCheck, port.protocol == .tcp {
                        part.healthChecks += backends.map { ($0.ref, healthCheck) }
                    }
                }
                let value = frontendValue(serviceID, service: service, tableSize: tableSizes[serviceID] ?? 0)
                part.frontends.append(FrontendEntry(key: frontendKey(address, port), value: value, frontend: frontend))
                if service.spec.type == .nodePort, let nodePort = port.nodePort {
                    part.frontends.append(FrontendEntry(
                        key: nodePortKey(nodePort, family: address.family, protocol: port.protocol),
                        value: value, frontend: frontend, nodePort: nodePort))
                }
            }
        }
        // Problems met finding backends (a pod's weight annotation) belong to this part.
        part.warnings += finder.takeWarnings()
        return part
    }

    /// Adds the members of one service port; returns its table's size, 0 without a table.
    private static func addBackends(_ backends: [ServiceBackend], serviceID: UInt32, frontend: FrontendRef,
                                    options: Options, allocations: inout ServiceAllocations,
                                    into part: inout ServicePart) -> Int {
        var tableMembers: [MaglevTable.Member] = []
        for backend in backends {
            guard let backendID = allocations.id(of: backend.ref) else {
                part.warnings.append("\(frontend): no backend id left for \(backend.ref); left out")
                continue
            }
            part.backends.append((backendID, backendValue(backend.ref), backend.ref))
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
            part.members.append((sluice_service_member_key(service_id: serviceID, backend_id: backendID),
                                 sluice_service_member_value(state: state.rawValue, weight: backend.weight)))
        }
        guard !tableMembers.isEmpty else { return 0 }
        part.tables.append((serviceID, MaglevTable(members: tableMembers, size: options.tableSize)))
        return options.tableSize
    }
}
