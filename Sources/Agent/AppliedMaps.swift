import BPF
import CSluiceBPF
import Planner

/// The contents of the maps the reconciler owns, as last written or as read back.
struct AppliedMaps: Sendable {
    var policy: [sluice_policy_key: sluice_policy_value]
    var ipcache: [sluice_ipcache_key: sluice_ipcache_value]
    var endpoints: [sluice_endpoint_key: sluice_endpoint_value]
    var endpointAddresses: [sluice_endpoint_address_key: UInt8]

    init(policy: [sluice_policy_key: sluice_policy_value], ipcache: [sluice_ipcache_key: sluice_ipcache_value],
         endpoints: [sluice_endpoint_key: sluice_endpoint_value],
         endpointAddresses: [sluice_endpoint_address_key: UInt8]) {
        self.policy = policy
        self.ipcache = ipcache
        self.endpoints = endpoints
        self.endpointAddresses = endpointAddresses
    }

    /// What the kernel holds now: the drift-repairing view.
    init(readingBack maps: DatapathMaps) throws(BPFError) {
        policy = try Self.contents(of: maps.policy)
        ipcache = try Self.contents(of: maps.ipcache)
        endpoints = try Self.contents(of: maps.endpoints)
        endpointAddresses = try Self.contents(of: maps.endpointAddresses)
    }

    private static func contents<K: Hashable & BitwiseCopyable, V: BitwiseCopyable>(of map: BPFMap<K, V>) throws(BPFError) -> [K: V] {
        var result: [K: V] = [:]
        for (key, value) in try map.entries() { result[key] = value }
        return result
    }
}
