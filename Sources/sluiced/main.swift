import Agent
import ArgumentParser
import BPF
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

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(help: "text or json.")
    var logFormat = "text"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format: must be text or json") }
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
        let agentConfiguration = AgentConfiguration(
            policyDirectory: policyDir, bpfObjectDirectory: bpfObjectDir, pinDirectory: pinDir,
            metricsAddress: address, nodeName: nodeName ?? ProcessInfo.processInfo.hostName, cgroupPath: cgroup)
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
