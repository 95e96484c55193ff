import Agent
import ArgumentParser
import BPF
import CSluiceBPF
import Foundation
import Logging
import ServiceLifecycle

/// The Sluice node agent.
@main
struct Sluiced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluiced",
        abstract: "Enforces Kubernetes NetworkPolicy on this node's pods with eBPF.",
        version: SluiceVersion.current)

    @Option(help: "Directory of manifests (*.yaml, *.yml, *.json) to enforce.")
    var policyDir = "/etc/sluice/policies"

    @Option(help: "Directory holding the compiled BPF objects.")
    var bpfObjectDir = "/usr/lib/sluice/bpf"

    @Option(help: "bpffs directory for pinned maps (mounted if missing).")
    var pinDir = "/sys/fs/bpf/sluice"

    @Option(help: "Listen address of the read-only HTTP API (/metrics, /healthz, /readyz).")
    var metricsAddress = ":9966"

    @Option(help: "This node's name, matched against spec.nodeName of pods (default: host name).")
    var nodeName: String?

    @Option(help: "cgroup v2 directory for socket hooks (default: the cgroup2 mount in /proc/self/mountinfo).")
    var cgroupPath: String?

    @Flag(inversion: .prefixedNo, help: "Let the node's own addresses reach its local pods whatever the policies (kubelet probes).")
    var allowHostTraffic = true

    @Flag(help: "Accept policy files and a policy directory that other users own or may write (refused by default).")
    var allowInsecurePolicyFiles = false

    @Flag(help: "Keep established flows that a policy change now denies (by default they are cut).")
    var keepEstablishedFlows = false

    @Option(help: "Conntrack timeout of TCP flows not yet answered, in seconds.")
    var ctTcpSynTimeout = 60

    @Option(help: "Conntrack timeout of established TCP flows, in seconds since their last packet.")
    var ctTcpEstablishedTimeout = 6 * 3600

    @Option(help: "Conntrack timeout of TCP flows after a FIN or RST, in seconds.")
    var ctTcpClosingTimeout = 10

    @Option(help: "Conntrack timeout of UDP, ICMP and other flows, in seconds.")
    var ctOtherTimeout = 60

    @Option(help: "Seconds between conntrack garbage collections.")
    var ctGcInterval = 15

    @Option(help: "Max entries of the policy map (sluice_pol_v1).")
    var policyMapSize = Int(SLUICE_POLICY_MAX)

    @Option(help: "Max entries of the ipcache (sluice_ipc_v1).")
    var ipcacheMapSize = Int(SLUICE_IPCACHE_MAX)

    @Option(help: "Max entries of the TCP conntrack map (sluice_ct_v1); changing it migrates the pinned map.")
    var conntrackMapSize = Int(SLUICE_CT_MAX)

    @Option(help: "Max entries of the UDP/ICMP/other conntrack map (sluice_cto_v1).")
    var conntrackOtherMapSize = Int(SLUICE_CT_OTHER_MAX)

    @Option(help: "Max entries of the endpoints map (sluice_ep_v1): local pods.")
    var endpointMapSize = Int(SLUICE_ENDPOINTS_MAX)

    @Option(help: "Seconds between full resyncs that read the maps back and repair drift.")
    var resyncInterval = 60

    @Option(help: "Unix socket (mode 0600) where sluice-cni registers the pods it attaches; empty: no CNI.")
    var cniSocket = "/run/sluice/cni.sock"

    @Option(help: "Directory for state kept across restarts (CNI endpoints, queued CNI deletes).")
    var stateDir = "/var/lib/sluice"

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(help: "text or json.")
    var logFormat = "text"

    @Option(help: ArgumentHelp("Interfaces where NodePort and ClusterIP traffic from outside the node arrives, comma-separated; per-packet service NAT runs there (default: none).", valueName: "if[,if]"))
    var nodeportInterfaces = ""

    @Option(help: "Seconds a terminating backend (EndpointSlice terminating, or pod deleted) keeps its established flows.")
    var terminatingGracePeriod = 30

    @Option(help: "Full-size (16381-slot) Maglev tables one sync builds; services without a table beyond it start on a provisional 1021-slot table, replaced by the full one in the passes that follow. 0: every table full in its sync.")
    var maglevTablesPerSync = 256

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format: must be text or json") }
        guard maglevTablesPerSync >= 0 else {
            throw ValidationError("--maglev-tables-per-sync: must be 0 or more, got \(maglevTablesPerSync)")
        }
        guard terminatingGracePeriod >= 0 else {
            throw ValidationError("--terminating-grace-period: must be 0 or more seconds, got \(terminatingGracePeriod)")
        }
        for name in nodePortInterfaceNames where name.utf8.count >= Int(IF_NAMESIZE) {
            throw ValidationError("--nodeport-interfaces: '\(name)' is longer than an interface name can be")
        }
        for (flag, value) in [("--ct-tcp-syn-timeout", ctTcpSynTimeout), ("--ct-tcp-established-timeout", ctTcpEstablishedTimeout),
                              ("--ct-tcp-closing-timeout", ctTcpClosingTimeout), ("--ct-other-timeout", ctOtherTimeout),
                              ("--ct-gc-interval", ctGcInterval), ("--resync-interval", resyncInterval)] where value < 1 {
            throw ValidationError("\(flag): must be at least 1 second, got \(value)")
        }
        for (flag, value) in [("--policy-map-size", policyMapSize), ("--ipcache-map-size", ipcacheMapSize),
                              ("--conntrack-map-size", conntrackMapSize), ("--conntrack-other-map-size", conntrackOtherMapSize),
                              ("--endpoint-map-size", endpointMapSize)]
            where !(1...(1 << 24)).contains(value) {
            throw ValidationError("\(flag): must be between 1 and 16777216, got \(value)")
        }
        guard ListenAddress(parsing: metricsAddress) != nil else {
            throw ValidationError("--metrics-address: expected HOST:PORT or :PORT, got '\(metricsAddress)'")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "sluiced")
        guard let cgroup = cgroupPath ?? CgroupFileSystem.mountPoint() else {
            throw ValidationError("--cgroup-path: no cgroup2 mount in /proc/self/mountinfo; pass one")
        }
        let address = ListenAddress(parsing: metricsAddress) ?? ListenAddress(host: "::", port: 9966)
        var agentConfiguration = AgentConfiguration(
            policyDirectory: policyDir, bpfObjectDirectory: bpfObjectDir, pinDirectory: pinDir,
            metricsAddress: address, nodeName: nodeName ?? ProcessInfo.processInfo.hostName, cgroupPath: cgroup,
            resyncInterval: .seconds(resyncInterval))
        agentConfiguration.allowHostTraffic = allowHostTraffic
        agentConfiguration.cniSocketPath = cniSocket.isEmpty ? nil : cniSocket
        agentConfiguration.stateDirectory = stateDir
        agentConfiguration.allowInsecurePolicyFiles = allowInsecurePolicyFiles
        agentConfiguration.mapCapacities = [
            SLUICE_MAP_POLICY: UInt32(policyMapSize), SLUICE_MAP_IPCACHE: UInt32(ipcacheMapSize),
            SLUICE_MAP_CT: UInt32(conntrackMapSize), SLUICE_MAP_CT_OTHER: UInt32(conntrackOtherMapSize),
            SLUICE_MAP_ENDPOINTS: UInt32(endpointMapSize),
            // One address per family and endpoint.
            SLUICE_MAP_ENDPOINT_ADDRESSES: UInt32(2 * endpointMapSize),
        ]
        agentConfiguration.nodePortInterfaces = nodePortInterfaceNames
        agentConfiguration.terminatingGracePeriod = .seconds(terminatingGracePeriod)
        agentConfiguration.tablesPerSync = maglevTablesPerSync == 0 ? nil : maglevTablesPerSync
        agentConfiguration.conntrack.keepEstablished = keepEstablishedFlows
        agentConfiguration.conntrack.tcpSyn = .seconds(ctTcpSynTimeout)
        agentConfiguration.conntrack.tcpEstablished = .seconds(ctTcpEstablishedTimeout)
        agentConfiguration.conntrack.tcpClosing = .seconds(ctTcpClosingTimeout)
        agentConfiguration.conntrack.other = .seconds(ctOtherTimeout)
        agentConfiguration.conntrack.collectionInterval = .seconds(ctGcInterval)
        let group = ServiceGroup(services: [AgentService(configuration: agentConfiguration, logger: logger)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch {
            logger.critical("sluiced failed", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

extension Sluiced {
    /// `--nodeport-interfaces` split on commas, blanks dropped.
    var nodePortInterfaceNames: [String] {
        nodeportInterfaces.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
