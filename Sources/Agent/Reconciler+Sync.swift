import BPF
import CSluiceBPF
import Planner

extension Reconciler {
    /// Writes the difference in an order that never opens a hole: entries
    /// that new references need first, then the references (ipcache,
    /// endpoints), then what nothing refers to any more.
    func sync(_ desired: DesiredState) throws(AgentError) -> Int {
        let maps = datapath.maps
        let endpointEntries = resolveEndpoints(desired.endpoints)
        do {
            let current = if let applied { applied } else { try AppliedMaps(readingBack: maps) }
            let policy = MapDiff(desired: desired.policy, current: current.policy)
            let ipcache = MapDiff(desired: desired.ipcache, current: current.ipcache)
            let endpoints = MapDiff(desired: endpointEntries.values, current: current.endpoints)
            let addresses = MapDiff(desired: endpointEntries.addresses, current: current.endpointAddresses)
            try checkCapacity(policy, current: current.policy.count, map: maps.policy.info, flag: "--policy-map-size")
            try checkCapacity(ipcache, current: current.ipcache.count, map: maps.ipcache.info, flag: "--ipcache-map-size")
            try checkCapacity(endpoints, current: current.endpoints.count, map: maps.endpoints.info,
                              flag: "--endpoint-map-size")
            try checkCapacity(addresses, current: current.endpointAddresses.count, map: maps.endpointAddresses.info,
                              flag: "--endpoint-map-size")

            try maps.policy.update(policy.upserts)
            try maps.ipcache.update(ipcache.upserts)
            // A pod's addresses go in before its entry turns the source check on.
            try maps.endpointAddresses.update(addresses.upserts)
            // Programs go on before the endpoint entry turns enforcement on. A
            // read-back run checks every interface (repairing a filter someone
            // removed by hand); other runs only the endpoints that changed.
            let readingBack = applied == nil
            let changedInterfaces = Set(endpoints.upserts.map(\.key.ifindex))
            for (key, pod) in endpointEntries.pods where readingBack || changedInterfaces.contains(key) {
                let ifindex = Int32(bitPattern: key)
                if !(try datapath.isAttached(ifindex: ifindex)) {
                    try datapath.attach(ifindex: ifindex)
                    logger.info("attached datapath", metadata: [
                        "interface": "\(NetworkInterface.name(of: ifindex) ?? String(ifindex))", "pod": "\(pod)"])
                }
            }
            try maps.endpoints.update(endpoints.upserts)
            for key in endpoints.deletes {
                try maps.endpoints.delete(key)
                let ifindex = Int32(bitPattern: key.ifindex)
                if NetworkInterface.name(of: ifindex) != nil { try Datapath.detach(ifindex: ifindex) }
            }
            for key in addresses.deletes { try maps.endpointAddresses.delete(key) }
            for key in ipcache.deletes { try maps.ipcache.delete(key) }
            for key in policy.deletes { try maps.policy.delete(key) }
            for (map, diff) in [(maps.policy.name, (policy.upserts.count, policy.deletes.count)),
                                (maps.ipcache.name, (ipcache.upserts.count, ipcache.deletes.count)),
                                (maps.endpoints.name, (endpoints.upserts.count, endpoints.deletes.count)),
                                (maps.endpointAddresses.name, (addresses.upserts.count, addresses.deletes.count))] {
                metrics.mapOperations(map: map, operation: "update", outcome: "ok", count: diff.0)
                metrics.mapOperations(map: map, operation: "delete", outcome: "ok", count: diff.1)
            }
            let changed = !(policy.isEmpty && ipcache.isEmpty && endpoints.isEmpty && addresses.isEmpty)
            lastSyncChangedMaps = changed
            if changed {
                logger.info("maps synced", metadata: [
                    "policy": "+\(policy.upserts.count) -\(policy.deletes.count)",
                    "ipcache": "+\(ipcache.upserts.count) -\(ipcache.deletes.count)",
                    "endpoints": "+\(endpoints.upserts.count) -\(endpoints.deletes.count)"])
            }
            enforcedInterfaces = Dictionary(endpointEntries.pods.map { ifindex, pod in
                (pod.description, NetworkInterface.name(of: Int32(bitPattern: ifindex)) ?? "ifindex \(ifindex)")
            }, uniquingKeysWith: { first, _ in first })
            lastSyncChangedServices = try syncServices(desired.services, readBack: applied == nil)
            let wasReadBack = applied == nil
            applied = AppliedMaps(policy: desired.policy, ipcache: desired.ipcache, endpoints: endpointEntries.values,
                                  endpointAddresses: endpointEntries.addresses)
            if changed || wasReadBack {
                try revalidateConntrack(endpointFlags: Dictionary(
                    endpointEntries.values.values.map { ($0.endpoint_id, $0.flags) }, uniquingKeysWith: { a, _ in a }))
            }
        } catch let error as AgentError {
            throw error
        } catch let error as BPFError {
            // The subject starts with the map's name ("sluice_pol_v1, 65536 entries").
            let map = String(error.subject.prefix { $0 != "," && $0 != " " })
            if error.call == ServiceSync.capacityCheck { metrics.mapFull(map) }
            let operation = error.call.contains("delete") ? "delete" : "update"
            metrics.mapOperations(map: map, operation: operation, outcome: error.kind == .mapFull ? "full" : "error", count: 1)
            throw .bpf(error, context: "syncing maps")
        } catch {
            throw .configuration("syncing maps: \(error)")
        }
        return endpointEntries.values.count
    }

    /// Finds each local pod's host interface. A pod whose interface cannot be
    /// found yet (veth not created) is skipped and retried on the next run.
    /// Refuses a plan before its first write when a map could not hold it,
    /// counting the moment of the switch, when old and new entries coexist
    /// (make-before-break): the previous state stays whole.
    private func checkCapacity<K: Hashable, V: Equatable>(_ diff: MapDiff<K, V>, current: Int, map: BPFMapInfo,
                                                          flag: String) throws(AgentError) {
        guard let (peak, after) = diff.room.overflow(current: current, capacity: map.maxEntries) else { return }
        metrics.mapFull(map.name)
        throw .configuration("map \(map.name) would need \(peak) entries (\(after) once the "
            + "change is complete) but holds \(map.maxEntries); the previous state stays enforced — raise \(flag)")
    }

    /// After a restart (or any read-back), keeps the endpoint ids the kernel
    /// already uses for the same interfaces. True when an id changed hands,
    /// and the plan must be made again.
    func adoptKernelEndpointIDs(_ desired: DesiredState) -> Bool {
        guard let kernel = try? datapath.maps.endpoints.entries(), !kernel.isEmpty else { return false }
        let kernelIDs = Dictionary(kernel.map { ($0.key.ifindex, $0.value.endpoint_id) }, uniquingKeysWith: { a, _ in a })
        var adopted = false
        for endpoint in desired.endpoints {
            guard let ifindex = hostInterface(of: endpoint),
                  let id = kernelIDs[UInt32(bitPattern: ifindex)], id != endpoint.endpointID else { continue }
            allocations.adoptEndpoint(endpoint.pod, id: id)
            adopted = true
        }
        return adopted
    }

    /// Each endpoint's entry, its pod, and the addresses it may send from; the entry turns the
    /// datapath's source check on, since the agent writes those addresses with it.
    func resolveEndpoints(_ planned: [PlannedEndpoint])
        -> (values: [sluice_endpoint_key: sluice_endpoint_value], pods: [UInt32: ObjectRef],
            addresses: [sluice_endpoint_address_key: UInt8]) {
        var values: [sluice_endpoint_key: sluice_endpoint_value] = [:]
        var pods: [UInt32: ObjectRef] = [:]
        var addresses: [sluice_endpoint_address_key: UInt8] = [:]
        for endpoint in planned {
            guard let ifindex = hostInterface(of: endpoint) else { continue }
            let key = sluice_endpoint_key(ifindex: UInt32(bitPattern: ifindex))
            if let other = pods[key.ifindex] {
                logger.error("two local pods resolve to one interface; enforcing the first", metadata: [
                    "pod": "\(endpoint.pod)", "other": "\(other)", "interface": "\(ifindex)"])
                continue
            }
            values[key] = sluice_endpoint_value(endpoint_id: endpoint.endpointID,
                                                flags: endpoint.flags | UInt32(SLUICE_EP_VERIFY_SOURCE.rawValue),
                                                ingress_policy_id: endpoint.ingressPolicyID,
                                                egress_policy_id: endpoint.egressPolicyID)
            pods[key.ifindex] = endpoint.pod
            for address in endpoint.addresses {
                var owned = zeroedABI(sluice_endpoint_address_key.self)
                owned.ifindex = key.ifindex
                owned.family = address.family.abi
                owned.addr = address.abi
                addresses[owned] = 1
            }
        }
        return (values, pods, addresses)
    }

    func hostInterface(of endpoint: PlannedEndpoint) -> Int32? {
        if let name = endpoint.hostInterface {
            if let index = NetworkInterface.index(of: name) { return index }
            logger.warning("host interface from annotation not found", metadata: ["pod": "\(endpoint.pod)", "interface": "\(name)"])
            return nil
        }
        for address in endpoint.addresses {
            do {
                return try NetworkInterface.routeInterface(for: address.bytes)
            } catch {
                logger.debug("no local route to pod", metadata: ["pod": "\(endpoint.pod)", "address": "\(address)", "error": "\(error)"])
            }
        }
        logger.warning("no host interface routes this local pod's address; not enforced yet",
                       metadata: ["pod": "\(endpoint.pod)"])
        return nil
    }
}
