import Prometheus

/// Every metric the agent exports: names and help in one place, because
/// they are a public interface dashboards and alerts depend on.
enum MetricDescriptors {
    static var datapathPackets: MetricNameDescriptor { counter("sluice_datapath_packets",
        "Packets seen by the pod datapath by direction (from the pod's view), verdict and reason.") }
    static var datapathBytes: MetricNameDescriptor { counter("sluice_datapath_bytes",
        "Bytes seen by the pod datapath by direction (from the pod's view), verdict and reason.") }
    static var reconciles: MetricNameDescriptor { counter("sluice_reconcile", "Reconcile runs of the policy directory by outcome.") }
    static var buildInfo: MetricNameDescriptor { gauge("sluice_build_info", "Sluice build; the value is always 1.") }
    static var ready: MetricNameDescriptor { gauge("sluice_ready", "1 once the first full sync succeeded.") }
    static var endpoints: MetricNameDescriptor { gauge("sluice_endpoints", "Local pods the datapath enforces on.") }
    static var identities: MetricNameDescriptor { gauge("sluice_identities", "Distinct remote identities in the ipcache.") }
    static var policies: MetricNameDescriptor { gauge("sluice_policies", "NetworkPolicy objects in force.") }
    static var mapEntries: MetricNameDescriptor { gauge("sluice_map_entries", "Entries the agent keeps in each BPF map.") }
    static var manifestFiles: MetricNameDescriptor { gauge("sluice_manifest_files", "Manifest files in the policy directory by state.") }

    static var policyFlows: MetricNameDescriptor { counter("sluice_policy_flows",
        "New flows allowed by a NetworkPolicy, by policy (namespace/name) and direction.") }
    static var policyPackets: MetricNameDescriptor { counter("sluice_policy_packets",
        "Packets of flows a NetworkPolicy allowed, replies included, by policy and direction.") }
    static var policyBytes: MetricNameDescriptor { counter("sluice_policy_bytes",
        "Bytes of flows a NetworkPolicy allowed, replies included, by policy and direction.") }
    static var policyVerdicts: MetricNameDescriptor { counter("sluice_policy_verdicts",
        "Verdicts of a NetworkPolicy by policy, direction and action: allowed counts new flows, denied and audit count packets.") }
    static var conntrackEntries: MetricNameDescriptor { gauge("sluice_conntrack_entries",
        "Live conntrack entries at the last garbage collection, by family and protocol.") }
    static var conntrackGCRuns: MetricNameDescriptor { counter("sluice_conntrack_gc_runs", "Conntrack garbage collections.") }
    static var conntrackGCRemoved: MetricNameDescriptor { counter("sluice_conntrack_gc_removed_entries",
        "Expired conntrack entries deleted by garbage collection.") }
    static var conntrackGCDuration: MetricNameDescriptor { gauge("sluice_conntrack_gc_last_duration_seconds",
        "How long the last conntrack garbage collection took.") }
    static var conntrackRevoked: MetricNameDescriptor { counter("sluice_conntrack_revoked_flows",
        "Established flows cut because a policy change denies them.") }

    static var timeToEnforce: MetricNameDescriptor { MetricNameDescriptor(metricName: "sluice_time_to_enforce",
        unitName: "seconds", helpText: "From a change in the policy directory to the last map write that enforces it, by what changed (policy or service).") }

    static var pods: MetricNameDescriptor { gauge("sluice_pods", "Pods in the manifests, local or not.") }
    static var serviceFrontends: MetricNameDescriptor { gauge("sluice_service_frontends",
        "Service frontends (service, port, family) the socket load balancer serves.") }
    static var mapOperations: MetricNameDescriptor { counter("sluice_map_operations",
        "Writes of the reconciler to the policy, ipcache and endpoints maps, by map, operation and outcome.") }
    static var mapFull: MetricNameDescriptor { counter("sluice_map_full_refusals",
        "Syncs refused because a map could not hold the plan, by map.") }

    static var processResidentMemory: MetricNameDescriptor { MetricNameDescriptor(metricName: "process_resident_memory",
        unitName: "bytes", helpText: "Resident memory of the agent.") }
    static var processCPU: MetricNameDescriptor { MetricNameDescriptor(metricName: "process_cpu_seconds",
        unitName: "total", helpText: "User and system CPU time the agent used, in seconds.") }
    static var processOpenFDs: MetricNameDescriptor { gauge("process_open_fds", "Open file descriptors of the agent.") }
    static var processStartTime: MetricNameDescriptor { MetricNameDescriptor(metricName: "process_start_time",
        unitName: "seconds", helpText: "When the agent started, in seconds since the Unix epoch.") }
    static var mapCapacity: MetricNameDescriptor { gauge("sluice_map_capacity_entries",
        "Max entries of each datapath map, as the kernel reports it.") }

    private static func counter(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "total", helpText: help)
    }

    private static func gauge(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
