import CSluiceBPF
import Model

/// A local pod the datapath enforces on.
public struct PlannedEndpoint: Sendable, Equatable {
    public var pod: ObjectRef
    public var endpointID: UInt32
    /// `sluice_endpoint_flags`.
    public var flags: UInt32
    public var addresses: [IPAddress]
    /// Set by the `sluice.dev/host-interface` annotation; otherwise the agent
    /// asks the kernel which interface routes the pod's address.
    public var hostInterface: String?
    /// The policy a drop in each direction is counted against: the first, by
    /// namespace/name, of those isolating the pod in that direction; 0 when none does.
    public var ingressPolicyID: UInt32 = 0
    public var egressPolicyID: UInt32 = 0
}

/// Everything the kernel's maps should hold, as plain values. The agent
/// diffs this against what the maps hold and writes only the difference.
public struct DesiredState: Sendable, Equatable {
    public var endpoints: [PlannedEndpoint] = []
    public var ipcache: [sluice_ipcache_key: sluice_ipcache_value] = [:]
    public var policy: [sluice_policy_key: sluice_policy_value] = [:]
    /// Policy id to `namespace/name`, for counters and explanations.
    public var policyNames: [UInt32: ObjectRef] = [:]
    /// Identity number to its signature, WORLD included.
    public var identities: [UInt32: IdentitySignature] = [:]
    /// The service load balancer's maps (ServicePlanner).
    public var services = PlannedServices()

    public init() {}
}
