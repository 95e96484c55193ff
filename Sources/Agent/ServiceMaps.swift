import BPF
import CSluiceBPF

/// Typed handles on the socket load balancer's maps (layouts in abi.h's Services section).
public struct ServiceMaps: Sendable {
    /// The inner map template's flags in bpf/lib/maps.h: every table the agent builds has them.
    static let tableFlags = UInt32(BPF_F_INNER_MAP) | UInt32(BPF_F_MMAPABLE)

    public let frontends: BPFMap<sluice_service_key, sluice_service_value>
    public let backends: BPFMap<UInt32, sluice_backend_value>
    public let members: BPFMap<sluice_service_member_key, sluice_service_member_value>
    public let tables: BPFArrayOfMaps
    /// What the agent last put in each table slot, so a restarted agent keeps what is right.
    public let stamps: BPFMap<UInt32, sluice_table_stamp>
    public let serviceMetrics: BPFPerCPUMap<UInt32, sluice_service_metrics>
    public let backendMetrics: BPFPerCPUMap<UInt32, sluice_backend_metrics>

    init(object: BPFObject) throws(BPFError) {
        frontends = try object.map(SLUICE_MAP_SERVICES)
        backends = try object.map(SLUICE_MAP_BACKENDS)
        members = try object.map(SLUICE_MAP_SERVICE_MEMBERS)
        tables = try BPFArrayOfMaps(outer: try object.map(SLUICE_MAP_MAGLEV), innerFlags: Self.tableFlags,
                                    innerValueSize: MemoryLayout<sluice_maglev_pair>.size)
        stamps = try object.map(SLUICE_MAP_TABLE_STAMPS)
        serviceMetrics = try object.perCPUMap(SLUICE_MAP_SERVICE_METRICS)
        backendMetrics = try object.perCPUMap(SLUICE_MAP_BACKEND_METRICS)
    }
}
