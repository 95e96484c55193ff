import BPF
import CSluiceBPF
import Glibc
import Logging
import Planner

/// Keeps the socket load balancer loaded, hooked to the cgroup, and its maps equal to the
/// planned services. Owned by the reconciler, which calls `sync` on every run.
///
/// Writes go in an order that never shows a client a hole: backends, then memberships,
/// then each changed Maglev table (a fresh inner map swapped into its slot in one update),
/// then the frontends that point at them; removals go the other way round.
final class ServiceSync {
    static let objectName = "sock_lb.bpf.o"

    let object: BPFObject
    let maps: ServiceMaps
    let links: [CgroupLink]
    let metrics: ServiceMetrics
    /// tc_node on the NodePort interfaces; nil when none are configured.
    let nodePort: NodePortHooks?
    /// Closes connected UDP sockets of departed backends; nil when the kernel cannot.
    let reaper: UDPSocketReaper?
    let logger: Logger
    /// What the last sync wrote, and the kernel ids of the tables it made; nil: read back.
    private var applied: Applied?
    /// Slots of the table array found in use at start-up by an earlier agent.
    private var unclaimedTableSlots: Set<UInt32>?
    /// Full-size tables one sync builds (ServiceSync+Staging.swift); nil: all, none staged.
    let tablesPerSync: Int?
    /// Services whose table in the maps is provisional, waiting for its full one.
    var provisionalTables: Set<UInt32> = []
    /// Inner maps for provisional tables made ahead of a bulk sync (`prepareTables`).
    let tablePool: TableMapPool
    /// Probe results, applied over every plan (ServiceSync+Health.swift).
    var health = BackendHealth()
    /// The last plan, before health was applied: probes change what is written from it.
    var lastPlanned: PlannedServices?
    /// The probe loop, started with the first sync.
    var prober: Task<Void, Never>?
    /// Backends draining for the grace period (TerminatingBackends.swift).
    var terminating: TerminatingBackends
    /// The last plan after health and draining, which draining compares the next one with.
    private var lastDrained: PlannedServices?
    /// The backends found failing at the last sync: when they change, every table is compared.
    private var lastUnhealthy: Set<BackendRef> = []
    /// The entries draining held or dropped at the last sync.
    private var lastDrainedEntries = ServiceDelta(base: 0)

    /// A table in the kernel whose members are unknown: no plan has a table without members,
    /// so it differs from every planned one.
    static let unknownTable = MaglevTable(members: [], size: 0)

    struct Applied {
        var services: PlannedServices
        var tableMapIDs: [UInt32: UInt32]
    }

    init(configuration: AgentConfiguration, logger: Logger) throws(BPFError) {
        self.logger = logger
        terminating = TerminatingBackends(grace: configuration.terminatingGracePeriod)
        tablesPerSync = configuration.tablesPerSync
        object = try BPFObject(path: configuration.bpfObjectDirectory + "/" + Self.objectName,
                               pinDirectory: configuration.pinDirectory, capacities: configuration.mapCapacities)
        maps = try ServiceMaps(object: object)
        tablePool = TableMapPool(tables: maps.tables, size: Self.provisionalTableSize,
                                 reservedDescriptors: 2 * Self.tablesPerSwap)
        let upgrade = TableUpgrade.copy(pinDirectory: configuration.pinDirectory, into: maps.tables, logger: logger)
        links = try ServiceSocketHooks.attach(object, cgroupPath: configuration.cgroupPath,
                                              pinDirectory: configuration.pinDirectory)
        metrics = ServiceMetrics(maps: maps)
        logger.info("socket load balancer attached", metadata: ["cgroup": "\(configuration.cgroupPath)"])
        if configuration.nodePortInterfaces.isEmpty {
            nodePort = nil
        } else {
            let hooks = try NodePortHooks(objectDirectory: configuration.bpfObjectDirectory,
                                          pinDirectory: configuration.pinDirectory,
                                          interfaces: configuration.nodePortInterfaces,
                                          capacities: configuration.mapCapacities)
            try hooks.attach()
            nodePort = hooks
            logger.info("NodePort translation attached",
                        metadata: ["interfaces": "\(configuration.nodePortInterfaces.joined(separator: ","))"])
        }
        do {
            reaper = try UDPSocketReaper(configuration: configuration)
        } catch {
            reaper = nil
            logger.warning("connected UDP sockets of departed backends will not be closed",
                           metadata: ["error": "\(error)"])
        }
        upgrade?.finish()
    }

    /// Makes the maps hold `plan`; `readBack` diffs against the kernel instead of the last
    /// write. Between read-backs, a plan made from the last one synced is written where its
    /// delta says it may differ, and nowhere else; `upgrading` adds the services on
    /// provisional tables. Returns whether any entry was written.
    @discardableResult
    func sync(_ plan: PlannedServices, readBack: Bool, upgrading: Bool = false) throws(BPFError) -> Bool {
        defer { tablePool.release() }
        let previous = lastPlanned
        lastPlanned = plan
        let planDelta = Self.delta(of: plan, since: previous)
        if planDelta?.healthChecks ?? true { health.track(plan.healthChecks) }
        let unhealthy = health.unhealthy
        var touched = readBack || applied == nil || unhealthy != lastUnhealthy ? nil : planDelta
        lastUnhealthy = unhealthy
        let healthy = ServicePlanner.applyingHealth(plan, unhealthy: unhealthy)
        let drain = terminating.update(planned: healthy, previous: lastDrained, touched: touched, now: .now)
        let planned = ServicePlanner.applyingDrain(healthy, keep: drain.keep, expired: drain.expired)
        // What draining held or dropped, now or at the last sync, changes outside the plan's delta.
        let drained = ServicePlanner.drainedEntries(healthy, keep: drain.keep, expired: drain.expired)
        touched?.formUnion(drained)
        touched?.formUnion(lastDrainedEntries)
        lastDrainedEntries = drained
        lastDrained = planned
        // Cleared until the end: a sync that fails half-way is followed by a read-back.
        let lastWrite = applied
        applied = nil
        let current: Applied
        if !readBack, let lastWrite { current = lastWrite } else { current = try readCurrent(planned, lastWrite: lastWrite) }
        if upgrading, touched != nil { touched?.formUnion(nextProvisionalEntries(in: current.services)) }
        let tableIDs = touched.map { Array($0.tables) } ?? Array(Set(planned.tables.keys).union(current.services.tables.keys))
        let staging = tablesPerSync.map { budget in
            Self.stage(planned, current: current.services, touched: touched, ids: tableIDs,
                       currentHasProvisional: !provisionalTables.isEmpty, budget: budget)
        }
        let written = staging?.written ?? planned
        for warning in planned.warnings where !(current.services.warnings.contains(warning)) {
            logger.warning("service plan", metadata: ["problem": "\(warning)"])
        }
        let backends = MapDiff(desired: planned.backends, current: current.services.backends, keys: touched?.backends)
        let members = MapDiff(desired: planned.members, current: current.services.members, keys: touched?.members)
        let frontends = MapDiff(desired: written.frontends, current: current.services.frontends, keys: touched?.frontends)
        for (diff, current, map) in [(backends.room, current.services.backends.count, maps.backends.info),
                                     (members.room, current.services.members.count, maps.members.info),
                                     (frontends.room, current.services.frontends.count, maps.frontends.info)] {
            try Self.checkRoom(diff, current: current, capacity: map.maxEntries, map: map.name)
        }

        // A new backend id starts its counters from zero.
        try maps.backendMetrics.update(backends.upserts.map(\.key).filter { current.services.backends[$0] == nil },
                                       allCPUs: zeroed())
        try maps.backends.update(backends.upserts)
        try maps.members.update(members.upserts)
        // Tables compare by their members: an unchanged service costs one comparison.
        let changedTables = tableIDs.compactMap { id in
            written.tables[id].flatMap { $0 == current.services.tables[id] ? nil : (id: id, table: $0) }
        }.sorted { $0.id < $1.id }
        var stale = Set(tableIDs.filter { planned.tables[$0] == nil && current.services.tables[$0] != nil })
        var tableMapIDs = current.tableMapIDs
        for id in stale { tableMapIDs[id] = nil }
        tableMapIDs.merge(try writeTables(changedTables)) { _, new in new }
        let knownIDs: Set<UInt32> = touched == nil ? Set(current.services.frontends.values.map(\.service_id)) : []
        // A reused service id starts its counters from zero.
        let newServiceIDs = frontends.upserts.map(\.value.service_id).filter { id in
            touched == nil ? !knownIDs.contains(id) : current.services.frontendNames[id] == nil
        }
        try maps.serviceMetrics.update(newServiceIDs, allCPUs: zeroed())
        try maps.frontends.update(frontends.upserts)

        // Worked out before the deletes: a sync failing half-way through them still closes the
        // sockets of what it set out to remove (the read-back after it no longer sees those).
        let departed = Self.departedUDPBackends(
            current: current.services, planned: planned, removedMembers: members.deletes,
            changedBackends: backends.upserts.lazy.filter { current.services.backends[$0.key] != nil }.map(\.key))
        defer { closeSockets(of: departed) }
        for key in frontends.deletes { try maps.frontends.delete(key) }
        if let unclaimed = unclaimedTableSlots {
            stale.formUnion(unclaimed.subtracting(planned.tables.keys))
            unclaimedTableSlots = nil
        }
        try maps.tables.clear(stale.sorted())
        for id in stale { try maps.stamps.delete(id) }
        for key in members.deletes { try maps.members.delete(key) }
        for id in backends.deletes { try maps.backends.delete(id) }

        metrics.update(written, previous: current.services, touched: touched, probed: plan.healthChecks, unhealthy: unhealthy)
        applied = Applied(services: written, tableMapIDs: tableMapIDs)
        noteProvisional(staging?.staged ?? [], among: touched == nil ? nil : tableIDs)
        let wrote = !(frontends.isEmpty && members.isEmpty && backends.isEmpty && changedTables.isEmpty && stale.isEmpty)
        if wrote {
            logger.info("service maps synced", metadata: [
                "frontends": "+\(frontends.upserts.count) -\(frontends.deletes.count)",
                "backends": "+\(backends.upserts.count) -\(backends.deletes.count)",
                "members": "+\(members.upserts.count) -\(members.deletes.count)",
                "tables": "+\(changedTables.count) -\(stale.count)", "provisional": "\(provisionalTables.count)"])
        }
        return wrote
    }

    /// The ids the service maps use now (an earlier agent's, after a restart): each frontend
    /// key's service id, and each backend's id, under the protocol of a service it serves.
    func idsInUse() throws(BPFError) -> (frontends: [sluice_service_key: UInt32], backends: [BackendRef: UInt32]) {
        var frontends: [sluice_service_key: UInt32] = [:]
        var protocols: [UInt32: UInt8] = [:]
        for (key, value) in try maps.frontends.entries() {
            frontends[key] = value.service_id
            protocols[value.service_id] = key.protocol
        }
        guard !frontends.isEmpty else { return ([:], [:]) }
        var addresses: [UInt32: sluice_backend_value] = [:]
        for (id, value) in try maps.backends.entries() where value.family != 0 { addresses[id] = value }
        var backends: [BackendRef: UInt32] = [:]
        for (key, _) in try maps.members.entries() {
            guard let ipProtocol = protocols[key.service_id], let value = addresses[key.backend_id],
                  let ref = ServicePlanner.backendRef(value, ipProtocol: ipProtocol) else { continue }
            backends[ref] = key.backend_id
        }
        return (frontends, backends)
    }

    /// The `call` of the error a plan too large for a service map fails with.
    static let capacityCheck = "capacity check"

    /// Refuses a plan, before its first write, that a map could not hold at the moment of the
    /// switch, when old and new entries coexist: the previous state stays whole.
    static func checkRoom(_ room: MapRoom, current: Int, capacity: UInt32, map: String) throws(BPFError) {
        guard let (peak, after) = room.overflow(current: current, capacity: capacity) else { return }
        throw BPFError(kind: .mapFull, call: capacityCheck, subject: map, errno: ENOSPC,
                       log: "\(map) would need \(peak) entries (\(after) once the change is complete) but holds "
                           + "\(capacity); the previous state stays enforced")
    }

    /// What may differ between `plan` and the plan synced before it: nothing when it is the
    /// same plan, its delta when it was made from that one; nil when unknown.
    private static func delta(of plan: PlannedServices, since previous: PlannedServices?) -> ServiceDelta? {
        guard let previous else { return nil }
        if plan.generation == previous.generation { return ServiceDelta(base: previous.generation) }
        guard let delta = plan.delta, delta.base == previous.generation else { return nil }
        return delta
    }

    /// What the maps hold now. A table is known by the inner map in its slot: the one this
    /// agent wrote there, or one whose stamp (sluice_mgs_v1) names that inner map and the
    /// digest of the planned table or of its provisional stand-in, which an earlier agent
    /// wrote from the same inputs. Any other counts as `unknownTable` and is written again
    /// (swapped in whole), because its slots cannot be checked without computing the table.
    /// The first read-back also finds table slots that no frontend names any more, so they
    /// are cleared.
    private func readCurrent(_ planned: PlannedServices, lastWrite: Applied?) throws(BPFError) -> Applied {
        var services = PlannedServices()
        for (key, value) in try maps.frontends.entries() { services.frontends[key] = value }
        for (key, value) in try maps.backends.entries() { services.backends[key] = value }
        for (key, value) in try maps.members.entries() { services.members[key] = value }
        if unclaimedTableSlots == nil {
            var used: Set<UInt32> = []
            for id in 1..<UInt32(SLUICE_SERVICES_MAX) where try maps.tables.innerMapID(id) != nil { used.insert(id) }
            unclaimedTableSlots = used
        }
        var tableMapIDs: [UInt32: UInt32] = [:]
        let candidates = Set(planned.tables.keys).union(services.frontends.values.map(\.service_id))
        var stamps: [UInt32: sluice_table_stamp] = [:]
        if lastWrite == nil { for (id, stamp) in try maps.stamps.entries() { stamps[id] = stamp } }
        for id in candidates {
            guard let mapID = try maps.tables.innerMapID(id) else { continue }
            if let lastWrite, lastWrite.tableMapIDs[id] == mapID, let table = lastWrite.services.tables[id] {
                services.tables[id] = table
            } else if let stamp = stamps[id], stamp.map_id == mapID, let table = planned.tables[id],
                      let known = Self.stampedTable(stamp.digest, planned: table) {
                services.tables[id] = known
            } else {
                services.tables[id] = Self.unknownTable
            }
            tableMapIDs[id] = mapID
        }
        return Applied(services: services, tableMapIDs: tableMapIDs)
    }
}
