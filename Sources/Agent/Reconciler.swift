import BPF
import CSluiceBPF
import Foundation
import Logging
import Model
import Planner

/// Keeps the kernel's maps and attachments equal to the plan of the policy
/// directory. The maps are the only current state: a full resync reads them
/// back and writes the difference, so a restarted agent or a hand-edited map
/// converges the same way; between resyncs a file change is diffed against
/// what this agent last wrote, which costs no map reads.
actor Reconciler {
    let configuration: AgentConfiguration
    let datapath: Datapath
    /// The socket load balancer and its maps (ServiceSync.swift).
    let services: ServiceSync
    let status: AgentStatus
    let metrics: MetricsExporter
    let logger: Logger
    private let directory: PolicyDirectory
    private var store = ManifestStore()
    var allocations = Allocations()
    /// What the last successful sync wrote; nil forces a read-back.
    var applied: AppliedMaps?
    /// Whether the last sync wrote to the policy, ipcache or endpoints map.
    var lastSyncChangedMaps = false
    /// Whether the last sync applied a different service plan.
    var lastSyncChangedServices = false
    /// Whether the first plan was told the service ids the maps held at start.
    private var keptKernelServiceIDs = false
    /// stat(2) of each file when it was last read.
    private var stamps: [String: FileStamp] = [:]
    /// Host interface of each enforced pod, as of the last sync.
    var enforcedInterfaces: [String: String] = [:]
    /// Pinned maps being replaced by resized ones, until the first sync has
    /// put the new programs on every interface.
    var migration: PinMigration?
    /// Pods attached by `sluice-cni` (see Reconciler+CNI.swift); nil when CNI is off.
    var cniEndpoints: CNIEndpointRegistry?
    /// True while file changes wait to be read: table upgrades wait for them.
    var filesPending: @Sendable () -> Bool = { false }
    /// Decodes of changed files made ahead of their reconcile; nil: none.
    private var prefetch: ManifestPrefetch?

    init(configuration: AgentConfiguration, status: AgentStatus, logger: Logger) throws(AgentError) {
        self.configuration = configuration
        self.status = status
        self.logger = logger
        self.directory = PolicyDirectory(path: configuration.policyDirectory,
                                         strict: !configuration.allowInsecurePolicyFiles)
        do {
            migration = try PinMigration.prepare(
                objectPath: configuration.bpfObjectDirectory + "/" + Datapath.objectName,
                pinDirectory: configuration.pinDirectory, capacities: configuration.mapCapacities, logger: logger)
            datapath = try Datapath(objectDirectory: configuration.bpfObjectDirectory,
                                    pinDirectory: configuration.pinDirectory, capacities: configuration.mapCapacities)
        } catch {
            throw .bpf(error, context: "loading the pod datapath")
        }
        do {
            services = try ServiceSync(configuration: configuration, logger: logger)
        } catch {
            throw .bpf(error, context: "loading the socket load balancer")
        }
        migration?.copyEntries(logger: logger)
        do {
            try datapath.maps.config.update(0, configuration.conntrack.datapathConfig)
            // Policy ids are this agent's own; counts under an earlier agent's ids would be misattributed.
            for key in try datapath.maps.policyStats.keys() { try datapath.maps.policyStats.delete(key) }
        } catch {
            throw .bpf(error, context: "configuring the pod datapath")
        }
        metrics = MetricsExporter(maps: datapath.maps, status: status)
        metrics.addTextSource { [serviceMetrics = services.metrics] in serviceMetrics.render() }
        let serviceMaps = services.maps
        status.update {
            for info in [serviceMaps.frontends.info, serviceMaps.backends.info, serviceMaps.members.info,
                         serviceMaps.tables.outer.info] {
                $0.mapCapacities[info.name] = Int(info.maxEntries)
            }
        }
    }

    nonisolated var exporter: MetricsExporter { metrics }

    /// Starts decoding the files the watcher names ahead of their reconcile.
    func prefetchManifests() -> ManifestPrefetch {
        let started = ManifestPrefetch(directory: directory)
        prefetch = started
        return started
    }

    var directoryExists: Bool { directory.exists }

    /// Re-reads the directory, re-plans and syncs; `readBack` diffs against
    /// the kernel's maps instead of what this agent last wrote; `trigger` is
    /// the file event this run answers, for the time-to-enforce histogram;
    /// `changes`, the files the events named (nil: look at every file). Errors are
    /// logged and reported in the status; the agent keeps what it enforced.
    func reconcile(readBack: Bool = false, triggeredAt trigger: ContinuousClock.Instant? = nil,
                   changes: DirectoryWatcher.Changes? = nil) {
        guard directory.exists else {
            status.update { $0.lastSyncError = "policy directory \(configuration.policyDirectory) does not exist" }
            logger.warning("policy directory missing; waiting for it", metadata: ["dir": "\(configuration.policyDirectory)"])
            metrics.reconcileFinished(outcome: "no_directory")
            return
        }
        if readBack {
            applied = nil
            stamps = [:]
        }
        // Events on names the agent never reads (a writer's temp file) change nothing.
        if let changes, changes.files.isEmpty, !changes.everything, !readBack, applied != nil { return }
        let clock = ContinuousClock()
        let started = clock.now
        let loaded = if let changes, !changes.everything, !readBack, applied != nil {
            readFiles(named: changes.files)
        } else {
            readFiles()
        }
        // A read-back's files are all new to the agent, but their tables may be in the maps.
        if applied != nil { services.prepareTables(new: loaded.newTables) }
        let read = clock.now
        let cluster = mergingCNIEndpoints(store.cluster)
        let node = nodeSettings()
        let built = clock.now
        let changes = serviceChanges(in: cluster, noted: store.takeServiceChanges())
        if !keptKernelServiceIDs {
            keptKernelServiceIDs = true
            keepKernelServiceIDs()
        }
        var desired = Planner.plan(cluster, node: node, allocations: &allocations, serviceChanges: changes)
        if applied == nil && adoptKernelEndpointIDs(desired) {
            desired = Planner.plan(cluster, node: node, allocations: &allocations, serviceChanges: ServiceChanges())
        }
        let planned = clock.now
        do {
            let endpoints = try sync(desired)
            logger.debug("reconciled", metadata: [
                "read": "\(read - started)", "cluster": "\(built - read)", "plan": "\(planned - built)",
                "sync": "\(clock.now - planned)"])
            status.update {
                $0.ready = true
                $0.lastSync = Date()
                $0.plan = desired
                $0.cluster = cluster
                $0.interfaces = enforcedInterfaces
                $0.lastSyncError = nil
                $0.files = store.states
                $0.endpoints = endpoints
                $0.identities = desired.identities.count
                $0.policies = desired.policyNames.count
                $0.policyNames = desired.policyNames.mapValues(\.description)
                $0.peers = allocations.peers
                $0.policyEntries = desired.policy.count
                $0.ipcacheEntries = desired.ipcache.count
            }
            metrics.reconcileFinished(outcome: "success")
            // Decoding many files leaves much freed heap behind; glibc keeps it unless asked.
            if loaded.files >= Self.filesWorthTrimming { sluice_malloc_trim() }
            if let migration {
                migration.finish(logger: logger)
                self.migration = nil
            }
            // Only runs that changed the maps enforced something (a temp file's close does not).
            if let trigger {
                if lastSyncChangedMaps { metrics.enforced(.policy, after: .now - trigger) }
                if lastSyncChangedServices { metrics.enforced(.service, after: .now - trigger) }
            }
        } catch {
            applied = nil
            logger.error("sync failed; previous state stays enforced", metadata: ["error": "\(error)"])
            status.update {
                $0.lastSyncError = "\(error)"
                $0.files = store.states
            }
            metrics.reconcileFinished(outcome: "error")
        }
    }

    /// What changed for services since the last plan, so a policy edit costs nothing per
    /// service and a service edit costs that service; nil on a read-back run, which looks at
    /// every service.
    private func serviceChanges(in cluster: Cluster, noted: ServiceChanges) -> ServiceChanges? {
        guard applied != nil else { return nil }
        var changes = noted
        // CNI registrations change pods outside the files.
        if cniEndpoints != nil {
            guard let last = status.snapshot.cluster else { return nil }
            changes.notePods(from: last.pods, to: cluster.pods)
        }
        return changes
    }

    /// The node's name and its own addresses, read now: addresses can come and go.
    private func nodeSettings() -> NodeSettings {
        var addresses: [IPAddress] = []
        do {
            addresses = try NetworkInterface.addresses().compactMap { IPAddress(bytes: $0) }
        } catch {
            logger.warning("cannot list the node's addresses; host traffic is not recognised", metadata: ["error": "\(error)"])
        }
        return NodeSettings(name: configuration.nodeName, addresses: addresses,
                            allowHostTraffic: configuration.allowHostTraffic)
    }

    static let filesWorthTrimming = 64

    /// What a read of the directory decoded.
    private struct Loaded {
        var files = 0
        /// Tables the services of files new to the agent need at most.
        var newTables = 0
    }

    private func readFiles() -> Loaded {
        guard directoryIsSafe() else { return Loaded() }
        let names: [String]
        do {
            names = try directory.manifestNames()
        } catch {
            logger.error("cannot list policy directory", metadata: ["dir": "\(configuration.policyDirectory)", "error": "\(error)"])
            return Loaded()
        }
        // Gone files first: an object moved from one of them into another file is then no
        // duplicate of itself.
        let present = Set(names)
        store.retain(present)
        stamps = stamps.filter { present.contains($0.key) }
        return load(names)
    }

    /// False, with the problem logged, when the directory may not be read (others could
    /// write policy into it).
    private func directoryIsSafe() -> Bool {
        let problem = directory.securityProblem(directory.path)
        status.update { $0.policyDirectoryError = problem }
        guard let problem else { return true }
        logger.error("policy directory refused; what it enforced stays in force", metadata: ["error": "\(problem)"])
        return false
    }

    /// Decodes `files`, taking the decodes made ahead for the same contents.
    private func decode(_ files: [(name: String, contents: String)]) -> [Result<[Manifest], ManifestError>] {
        let ahead = files.map { prefetch?.take($0.name, contents: $0.contents) }
        let missing = files.indices.filter { ahead[$0] == nil }
        var decoded = ahead
        for (index, result) in zip(missing, ManifestStore.decode(missing.map {
            (directory.path + "/" + files[$0].name, files[$0].contents)
        })) {
            decoded[index] = result
        }
        return decoded.compactMap { $0 }
    }

    /// Reads only the files the watcher named, and the refused ones (what they
    /// clashed with may be gone): a file gone is forgotten, any other is read
    /// as a full scan would.
    private func readFiles(named names: Set<String>) -> Loaded {
        guard directoryIsSafe() else { return Loaded() }
        var present: [String] = []
        for name in names.union(store.refusedNames).sorted() {
            if directory.holds(name) {
                present.append(name)
            } else {
                store.forget(name)
                stamps[name] = nil
                prefetch?.forget([name])
            }
        }
        return load(present)
    }

    /// Reads the files of `names` that changed since they were last read (or
    /// were refused), reads and decodes them on every core and puts them in
    /// force in name order.
    private func load(_ names: [String]) -> Loaded {
        var changed: [String] = []
        for name in names {
            // Unchanged and good: nothing to read (a read-back run forgets the stamps).
            let stamp = directory.stamp(name)
            if let stamp, stamps[name] == stamp, store.isGood(name) { continue }
            stamps[name] = stamp
            changed.append(name)
        }
        var read: [(name: String, contents: String)] = []
        for (name, result) in zip(changed, directory.read(changed)) {
            switch result {
            case .contents(let text):
                if store.needsDecoding(name, contents: text) { read.append((name, text)) }
            case .failure(let message):
                if let error = store.fail(name, message: "\(directory.path)/\(name): \(message)") {
                    logger.error("manifest unreadable; its last good version stays in force",
                                 metadata: ["file": "\(name)", "error": "\(error)"])
                }
            }
        }
        let decoded = decode(read)
        // What was decoded ahead and not taken is stale or unneeded (unchanged, unreadable).
        prefetch?.forget(names)
        var loaded = Loaded(files: read.count)
        var errors: [String: String] = [:]
        for (file, result) in zip(read, decoded) {
            if !store.knows(file.name), case .success(let manifests) = result {
                loaded.newTables += Self.tables(of: manifests)
            }
            errors[file.name] = store.apply(file.name, contents: file.contents, decoded: result)
        }
        // A file refused for clashing with one applied after it is tried again: the object
        // may have moved from that file into this one. Each pass that applies one may free
        // another; a pass that applies none ends it.
        var refused = read.indices.filter { !store.isGood(read[$0].name) }
        while !refused.isEmpty {
            let still = refused.filter { index in
                let file = read[index]
                if let error = store.apply(file.name, contents: file.contents, decoded: decoded[index]) {
                    errors[file.name] = error
                }
                return !store.isGood(file.name)
            }
            if still.count == refused.count { break }
            refused = still
        }
        for (name, error) in errors.sorted(by: { $0.key < $1.key }) where !store.isGood(name) {
            logger.error("manifest rejected; its last good version stays in force",
                         metadata: ["file": "\(name)", "error": "\(error)"])
        }
        return loaded
    }

    /// The tables the Services among `manifests` need at most: one per port and family.
    private static func tables(of manifests: [Manifest]) -> Int {
        manifests.reduce(0) { sum, manifest in
            guard case .service(let service, _) = manifest else { return sum }
            return sum + service.spec.ports.count * max(1, Set(service.spec.clusterIPs.map(\.family)).count)
        }
    }
}
