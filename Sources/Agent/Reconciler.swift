import BPF
import CSluiceBPF
import Logging
import Model
import Planner

/// Keeps the kernel's maps and attachments equal to the plan of the policy
/// directory. The maps are the only current state: every run reads them
/// back and writes the difference, so a restarted agent or a hand-edited
/// map converges the same way.
actor Reconciler {
    private let configuration: AgentConfiguration
    private let datapath: Datapath
    private let status: AgentStatus
    private let metrics: MetricsExporter
    private let logger: Logger
    private let directory: PolicyDirectory
    private var store = ManifestStore()
    private var allocations = Allocations()

    init(configuration: AgentConfiguration, status: AgentStatus, logger: Logger) throws(AgentError) {
        self.configuration = configuration
        self.status = status
        self.logger = logger
        self.directory = PolicyDirectory(path: configuration.policyDirectory)
        do {
            datapath = try Datapath(objectDirectory: configuration.bpfObjectDirectory,
                                    pinDirectory: configuration.pinDirectory)
        } catch {
            throw .bpf(error, context: "loading the pod datapath")
        }
        metrics = MetricsExporter(maps: datapath.maps, status: status)
    }

    nonisolated var exporter: MetricsExporter { metrics }

    var directoryExists: Bool { directory.exists }

    /// Re-reads the directory, re-plans and syncs. Errors are logged and
    /// reported in the status; the agent keeps what it enforced.
    func reconcile() {
        guard directory.exists else {
            status.update { $0.lastSyncError = "policy directory \(configuration.policyDirectory) does not exist" }
            logger.warning("policy directory missing; waiting for it", metadata: ["dir": "\(configuration.policyDirectory)"])
            metrics.reconcileFinished(outcome: "no_directory")
            return
        }
        readFiles()
        let cluster = Cluster(manifests: store.manifests)
        let desired = Planner.plan(cluster, nodeName: configuration.nodeName, allocations: &allocations)
        do {
            let endpoints = try sync(desired)
            status.update {
                $0.ready = true
                $0.lastSyncError = nil
                $0.files = store.states
                $0.endpoints = endpoints
                $0.identities = desired.identities.count
                $0.policies = desired.policyNames.count
                $0.policyEntries = desired.policy.count
                $0.ipcacheEntries = desired.ipcache.count
            }
            metrics.reconcileFinished(outcome: "success")
        } catch {
            logger.error("sync failed; previous state stays enforced", metadata: ["error": "\(error)"])
            status.update {
                $0.lastSyncError = error.description
                $0.files = store.states
            }
            metrics.reconcileFinished(outcome: "error")
        }
    }

    private func readFiles() {
        let names: [String]
        do {
            names = try directory.manifestNames()
        } catch {
            logger.error("cannot list policy directory", metadata: ["dir": "\(configuration.policyDirectory)", "error": "\(error)"])
            return
        }
        for name in names {
            switch directory.read(name) {
            case .contents(let text):
                if let error = store.update(name, path: directory.path + "/" + name, contents: text) {
                    logger.error("manifest rejected; its last good version stays in force",
                                 metadata: ["file": "\(name)", "error": "\(error)"])
                }
            case .failure(let message):
                if let error = store.fail(name, message: "\(directory.path)/\(name): \(message)") {
                    logger.error("manifest unreadable; its last good version stays in force",
                                 metadata: ["file": "\(name)", "error": "\(error)"])
                }
            }
        }
        store.retain(Set(names))
    }

    /// Writes the difference in an order that never opens a hole: entries
    /// that new references need first, then the references (ipcache,
    /// endpoints), then what nothing refers to any more.
    private func sync(_ desired: DesiredState) throws(AgentError) -> Int {
        let maps = datapath.maps
        let endpointEntries = resolveEndpoints(desired.endpoints)
        do {
            let policy = MapDiff(desired: desired.policy, current: try current(maps.policy))
            let ipcache = MapDiff(desired: desired.ipcache, current: try current(maps.ipcache))
            let endpoints = MapDiff(desired: endpointEntries.values, current: try current(maps.endpoints))

            for (key, value) in policy.upserts { try maps.policy.update(key, value) }
            for (key, value) in ipcache.upserts { try maps.ipcache.update(key, value) }
            // Programs go on before the endpoint entry turns enforcement on; checking
            // every run also repairs a filter someone removed by hand.
            for (key, pod) in endpointEntries.pods {
                let ifindex = Int32(bitPattern: key)
                if !(try datapath.isAttached(ifindex: ifindex)) {
                    try datapath.attach(ifindex: ifindex)
                    logger.info("attached datapath", metadata: [
                        "interface": "\(NetworkInterface.name(of: ifindex) ?? String(ifindex))", "pod": "\(pod)"])
                }
            }
            for (key, value) in endpoints.upserts { try maps.endpoints.update(key, value) }
            for key in endpoints.deletes {
                try maps.endpoints.delete(key)
                let ifindex = Int32(bitPattern: key.ifindex)
                if NetworkInterface.name(of: ifindex) != nil { try Datapath.detach(ifindex: ifindex) }
            }
            for key in ipcache.deletes { try maps.ipcache.delete(key) }
            for key in policy.deletes { try maps.policy.delete(key) }
            if !(policy.isEmpty && ipcache.isEmpty && endpoints.isEmpty) {
                logger.info("maps synced", metadata: [
                    "policy": "+\(policy.upserts.count) -\(policy.deletes.count)",
                    "ipcache": "+\(ipcache.upserts.count) -\(ipcache.deletes.count)",
                    "endpoints": "+\(endpoints.upserts.count) -\(endpoints.deletes.count)"])
            }
        } catch {
            throw .bpf(error, context: "syncing maps")
        }
        return endpointEntries.values.count
    }

    private func current<K: Hashable & BitwiseCopyable, V: BitwiseCopyable>(_ map: BPFMap<K, V>) throws(BPFError) -> [K: V] {
        var result: [K: V] = [:]
        for (key, value) in try map.entries() { result[key] = value }
        return result
    }

    /// Finds each local pod's host interface. A pod whose interface cannot be
    /// found yet (veth not created) is skipped and retried on the next run.
    private func resolveEndpoints(_ planned: [PlannedEndpoint])
        -> (values: [sluice_endpoint_key: sluice_endpoint_value], pods: [UInt32: ObjectRef]) {
        var values: [sluice_endpoint_key: sluice_endpoint_value] = [:]
        var pods: [UInt32: ObjectRef] = [:]
        for endpoint in planned {
            guard let ifindex = hostInterface(of: endpoint) else { continue }
            let key = sluice_endpoint_key(ifindex: UInt32(bitPattern: ifindex))
            if let other = pods[key.ifindex] {
                logger.error("two local pods resolve to one interface; enforcing the first", metadata: [
                    "pod": "\(endpoint.pod)", "other": "\(other)", "interface": "\(ifindex)"])
                continue
            }
            values[key] = sluice_endpoint_value(endpoint_id: endpoint.endpointID, flags: endpoint.flags)
            pods[key.ifindex] = endpoint.pod
        }
        return (values, pods)
    }

    private func hostInterface(of endpoint: PlannedEndpoint) -> Int32? {
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
