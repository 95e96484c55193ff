/// Everything `sluiced` is told on its command line.
public struct AgentConfiguration: Sendable {
    public var policyDirectory: String
    public var bpfObjectDirectory: String
    public var pinDirectory: String
    public var metricsAddress: ListenAddress
    public var nodeName: String
    public var cgroupPath: String
    /// Quiet time after a file event before re-reading the directory, so an
    /// editor's write-then-rename burst or a ConfigMap swap is applied once;
    /// short, because it is part of every change's time to enforce.
    public var debounce: Duration
    /// While events keep coming (thousands of files copied in), the longest a
    /// batch waits: each reconcile costs something per object in force, so
    /// fewer, larger batches load faster.
    public var longestBatch: Duration = .milliseconds(200)
    /// Full re-read and re-sync even without events (drift repair).
    public var resyncInterval: Duration
    public var conntrack = ConntrackSettings()
    /// The node may reach its local pods whatever the policies (kubelet probes).
    public var allowHostTraffic = true
    /// Unix socket where `sluice-cni` registers the pods it attaches; nil: no CNI.
    public var cniSocketPath: String?
    /// State kept across restarts (the CNI endpoints, DELs queued while the agent was down).
    public var stateDirectory = "/var/lib/sluice"
    /// Accept policy files and directories other users could have written.
    public var allowInsecurePolicyFiles = false
    /// Max entries of datapath maps by pinned name, for every object loaded
    /// (each declares all shared maps, so all must agree).
    public var mapCapacities: [String: UInt32] = [:]
    /// Interfaces where traffic from outside the node arrives: tc_node translates NodePort and
    /// ClusterIP packets there. Empty (the default): no per-packet service translation.
    public var nodePortInterfaces: [String] = []
    /// How long a terminating backend (EndpointSlice `terminating`, or its pod deleted) keeps
    /// its established flows before it leaves its services.
    public var terminatingGracePeriod: Duration = .seconds(30)
    /// Full-size Maglev tables one sync builds; new services beyond it start on provisional
    /// tables, upgraded by the passes that follow. nil: every table full in its sync.
    public var tablesPerSync: Int? = 256

    public init(policyDirectory: String, bpfObjectDirectory: String, pinDirectory: String,
                metricsAddress: ListenAddress, nodeName: String, cgroupPath: String,
                debounce: Duration = .milliseconds(3), resyncInterval: Duration = .seconds(60)) {
        self.policyDirectory = policyDirectory
        self.bpfObjectDirectory = bpfObjectDirectory
        self.pinDirectory = pinDirectory
        self.metricsAddress = metricsAddress
        self.nodeName = nodeName
        self.cgroupPath = cgroupPath
        self.debounce = debounce
        self.resyncInterval = resyncInterval
    }
}

/// `host:port`, `:port` (all addresses) or `[v6]:port`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "::" : host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
