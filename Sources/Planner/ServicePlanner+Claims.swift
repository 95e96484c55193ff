import CSluiceBPF
import Model

/// What services may claim together: a frontend key (two services on one cluster IP and port,
/// or on one nodePort) and a backend's health check. The first claimant by namespace and name
/// holds it, whatever order the services came in; the others get a warning for a frontend.
extension ServicePlanner {
    /// Settles `frontendKeys` and `healthBackends` among their claimants, then gathers the
    /// warnings again.
    static func settle(_ planned: inout PlannedServices, frontendKeys: some Sequence<sluice_service_key>,
                       healthBackends: some Sequence<BackendRef>, allocations: inout ServiceAllocations) {
        for key in frontendKeys { settle(&planned, key: key, allocations: &allocations) }
        for backend in healthBackends {
            let parts = allocations.parts
            planned.healthChecks[backend] = allocations.healthClaims[backend]?.lazy.compactMap { ref in
                parts[ref]?.part.healthChecks.first { $0.backend == backend }?.check
            }.first
        }
        var seen: Set<String> = []
        planned.warnings = allocations.warnedServices.sorted().flatMap { allocations.parts[$0]?.part.warnings ?? [] }
            .filter { seen.insert($0).inserted }
        planned.warnings += allocations.claimWarnings.values.joined().sorted()
    }

    private static func settle(_ planned: inout PlannedServices, key: sluice_service_key,
                               allocations: inout ServiceAllocations) {
        var holder: FrontendEntry?
        var warnings: [String] = []
        for ref in allocations.frontendClaims[key] ?? [] {
            for entry in allocations.parts[ref]?.part.frontends ?? [] where entry.key == key {
                guard let held = holder else {
                    holder = entry
                    continue
                }
                if held.value.service_id != entry.value.service_id {
                    warnings.append(alreadyUsed(entry, by: held.frontend))
                }
            }
        }
        planned.frontends[key] = holder?.value
        allocations.claimWarnings[key] = warnings.isEmpty ? nil : warnings
    }

    private static func alreadyUsed(_ entry: FrontendEntry, by holder: FrontendRef) -> String {
        if let nodePort = entry.nodePort {
            return "\(entry.frontend): nodePort \(nodePort) already used by \(holder); not balanced on it"
        }
        let address = IPAddress(abi: entry.key.addr, family: entry.key.family)
            .map { $0.family == .v4 ? "\($0)" : "[\($0)]" } ?? "?"
        return "\(entry.frontend): \(address):\(UInt16(bigEndian: entry.key.port)) already used by \(holder); not balanced on it"
    }
}
