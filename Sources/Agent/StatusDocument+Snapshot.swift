import CSluiceBPF

extension StatusDocument {
    /// `capacities` are max entries by pinned map name, from the kernel.
    init(snapshot: AgentStatus.Snapshot, capacities: [String: Int]) {
        version = SluiceVersion.current
        abiVersion = Int(SLUICE_ABI_VERSION)
        ready = snapshot.ready
        lastSync = snapshot.lastSync
        lastSyncError = snapshot.lastSyncError
        policyDirectoryError = snapshot.policyDirectoryError
        files = snapshot.files.sorted { $0.key < $1.key }.map { name, file in
            File(name: name, state: file.state.rawValue, message: file.message, generation: file.generation)
        }
        let services = snapshot.plan?.services
        counts = Counts(
            pods: snapshot.cluster?.pods.count ?? 0, endpoints: snapshot.endpoints,
            identities: snapshot.identities, policies: snapshot.policies,
            policyEntries: snapshot.policyEntries, ipcacheEntries: snapshot.ipcacheEntries,
            services: snapshot.cluster?.services.count ?? 0)
        // Conntrack and the counters are filled by the datapath, not kept by the agent.
        let kept: [(String, Int?)] = [
            (SLUICE_MAP_ENDPOINTS, snapshot.endpoints),
            (SLUICE_MAP_IPCACHE, snapshot.ipcacheEntries),
            (SLUICE_MAP_POLICY, snapshot.policyEntries),
            (SLUICE_MAP_CT, nil),
            (SLUICE_MAP_POLICY_STATS, nil),
            (SLUICE_MAP_SERVICES, services?.frontends.count),
            (SLUICE_MAP_BACKENDS, services?.backends.count),
            (SLUICE_MAP_SERVICE_MEMBERS, services?.members.count),
            (SLUICE_MAP_MAGLEV, services?.tables.count),
        ]
        maps = kept.map { name, entries in
            MapUsage(name: name, entries: entries, maxEntries: capacities[name] ?? snapshot.mapCapacities[name])
        }
        interfaces = snapshot.interfaces.sorted { $0.key < $1.key }.map { Interface(pod: $0.key, interface: $0.value) }
    }
}
