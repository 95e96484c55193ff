import BPF
import CSluiceBPF

/// The loaded pod datapath: tc_pod.bpf.o with its pinned maps, and the
/// attachments the agent makes with it. Owned by one reconciler; only the
/// Sendable map handles leave it.
final class Datapath {
    static let objectName = "tc_pod.bpf.o"

    let object: BPFObject
    let fromPod: BPFProgram
    let toPod: BPFProgram
    let maps: DatapathMaps

    /// Loads the object, reusing maps already pinned in `pinDirectory`
    /// (so conntrack and counters survive an agent restart).
    init(objectDirectory: String, pinDirectory: String, capacities: [String: UInt32] = [:]) throws(BPFError) {
        object = try BPFObject(path: objectDirectory + "/" + Self.objectName, pinDirectory: pinDirectory,
                               capacities: capacities)
        fromPod = try object.program(SLUICE_PROG_FROM_POD)
        toPod = try object.program(SLUICE_PROG_TO_POD)
        maps = try DatapathMaps(object: object)
    }

    /// Puts both programs on a pod's host-side interface, replacing older ones in place.
    func attach(ifindex: Int32) throws(BPFError) {
        try TCAttachment(ifindex: ifindex, direction: .ingress).attach(fromPod)
        try TCAttachment(ifindex: ifindex, direction: .egress).attach(toPod)
    }

    /// True when this object's programs are the ones on the interface.
    func isAttached(ifindex: Int32) throws(BPFError) -> Bool {
        let ingress = try TCAttachment(ifindex: ifindex, direction: .ingress).attachedProgramID()
        let egress = try TCAttachment(ifindex: ifindex, direction: .egress).attachedProgramID()
        let fromID = try fromPod.id()
        let toID = try toPod.id()
        return ingress == fromID && egress == toID
    }

    static func detach(ifindex: Int32) throws(BPFError) {
        for direction in TCAttachment.Direction.allCases {
            try TCAttachment(ifindex: ifindex, direction: direction).detach()
        }
    }
}

/// Typed handles on the datapath's maps.
public struct DatapathMaps: Sendable {
    public let endpoints: BPFMap<sluice_endpoint_key, sluice_endpoint_value>
    public let endpointAddresses: BPFMap<sluice_endpoint_address_key, UInt8>
    public let ipcache: BPFMap<sluice_ipcache_key, sluice_ipcache_value>
    public let policy: BPFMap<sluice_policy_key, sluice_policy_value>
    /// TCP flows; `conntrackOther` holds the rest (same layout).
    public let conntrack: BPFMap<sluice_ct_key, sluice_ct_value>
    public let conntrackOther: BPFMap<sluice_ct_key, sluice_ct_value>
    public let metrics: BPFPerCPUMap<UInt32, sluice_metrics_value>
    public let config: BPFMap<UInt32, sluice_config>
    public let policyStats: BPFPerCPUMap<sluice_policy_stats_key, sluice_policy_stats_value>

    /// The maps of a loaded object that includes bpf/lib/maps.h (tests load tc_pod.bpf.o themselves).
    public init(object: BPFObject) throws(BPFError) {
        endpoints = try object.map(SLUICE_MAP_ENDPOINTS)
        endpointAddresses = try object.map(SLUICE_MAP_ENDPOINT_ADDRESSES)
        ipcache = try object.map(SLUICE_MAP_IPCACHE)
        policy = try object.map(SLUICE_MAP_POLICY)
        conntrack = try object.map(SLUICE_MAP_CT)
        conntrackOther = try object.map(SLUICE_MAP_CT_OTHER)
        metrics = try object.perCPUMap(SLUICE_MAP_METRICS)
        config = try object.map(SLUICE_MAP_CONFIG)
        policyStats = try object.perCPUMap(SLUICE_MAP_POLICY_STATS)
    }

    /// Opens the maps pinned under `pinDirectory` without loading programs (sluicectl).
    public init(pinDirectory: String) throws(BPFError) {
        endpoints = try BPFMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_ENDPOINTS)
        endpointAddresses = try BPFMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_ENDPOINT_ADDRESSES)
        ipcache = try BPFMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_IPCACHE)
        policy = try BPFMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_POLICY)
        conntrack = try BPFMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_CT)
        conntrackOther = try BPFMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_CT_OTHER)
        metrics = try BPFPerCPUMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_METRICS)
        config = try BPFMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_CONFIG)
        policyStats = try BPFPerCPUMap(pinnedAt: pinDirectory + "/" + SLUICE_MAP_POLICY_STATS)
    }
}
