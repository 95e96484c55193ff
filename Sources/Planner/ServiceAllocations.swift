import CSluiceBPF
import HashTreeCollections
import Model

/// Service and backend ids, kept from one plan to the next so that a change touches only the
/// entries it must, and each service's part of the last plan, so that an unchanged service
/// costs a comparison of its inputs instead of planning it again.
///
/// Ids index the datapath's arrays, so they are dense (1 ... max - 1). A freed id is handed out
/// again only after every other free id was: counters and affinities of a deleted service are
/// long gone (the agent zeroes a reused id's counters) before its number returns.
public struct ServiceAllocations: Sendable {
    /// Persistent, so each plan carries them (as its ids) without a copy.
    public private(set) var frontends: TreeDictionary<FrontendRef, UInt32> = [:]
    public private(set) var backends: TreeDictionary<BackendRef, UInt32> = [:]
    private var frontendIDs = IDPool(limit: UInt32(SLUICE_SERVICES_MAX))
    private var backendIDs = IDPool(limit: UInt32(SLUICE_BACKENDS_MAX))

    /// Each service's part of the last plan.
    private(set) var parts: [ObjectRef: KeptPart] = [:]
    private var partOptions: ServicePlanner.Options?
    /// How many parts hold each id: an id no part holds is freed.
    private var frontendHolders: [FrontendRef: Int] = [:]
    private var backendHolders: [BackendRef: Int] = [:]
    /// The services claiming each frontend key and each backend's health check, in name
    /// order (the first holds it), and those whose part carries warnings: what a change to
    /// one part may pass to another (ServicePlanner+Claims.swift).
    private(set) var frontendClaims: [sluice_service_key: [ObjectRef]] = [:]
    private(set) var healthClaims: [BackendRef: [ObjectRef]] = [:]
    private(set) var warnedServices: Set<ObjectRef> = []
    /// The warnings of frontend keys more than one service claims, by key.
    var claimWarnings: [sluice_service_key: [String]] = [:]
    /// The last plan, which the next one changes where its parts changed.
    var lastPlan: PlannedServices?
    /// Ids the datapath already uses (an earlier agent's), each kept for what it numbered
    /// there until a plan ends: the frontend at a key, a backend. So a restarted agent's first
    /// plan gives them the ids they had, and no entry changes meaning while it is written.
    private var reservedFrontends: [sluice_service_key: UInt32] = [:]
    private var reservedBackends: [BackendRef: UInt32] = [:]
    private var claimedFrontendIDs: Set<UInt32> = []

    public init() {}

    /// Starts a plan: false when no part may be reused (the options changed); the parts stay
    /// until replaced, so their ids stay too.
    mutating func beginPlan(options: ServicePlanner.Options) -> Bool {
        defer { partOptions = options }
        return partOptions == options
    }

    /// The last plan, no longer held here, so changing it copies nothing.
    mutating func takeLastPlan() -> PlannedServices? {
        defer { lastPlan = nil }
        return lastPlan
    }

    /// Keeps `part` as the plan of `ref`, in place of its earlier part.
    mutating func keep(_ part: ServicePart, for ref: ObjectRef) -> (old: KeptPart?, new: KeptPart) {
        // The new part's holds first, so an id both parts use is never freed in between.
        for frontend in part.heldFrontends { frontendHolders[frontend, default: 0] += 1 }
        for backend in part.heldBackends { backendHolders[backend, default: 0] += 1 }
        let old = drop(ref)
        let kept = KeptPart(part)
        parts[ref] = kept
        claim(part, by: ref)
        return (old, kept)
    }

    /// Forgets the part of `ref`, freeing the ids only it held.
    mutating func drop(_ ref: ObjectRef) -> KeptPart? {
        guard let kept = parts.removeValue(forKey: ref) else { return nil }
        for frontend in kept.part.heldFrontends { release(frontend) }
        for backend in kept.part.heldBackends { release(backend) }
        unclaim(kept.part, by: ref)
        return kept
    }

    private mutating func claim(_ part: ServicePart, by ref: ObjectRef) {
        for key in Set(part.frontends.map(\.key)) { Self.insert(ref, into: &frontendClaims[key, default: []]) }
        for backend in Set(part.healthChecks.map(\.backend)) { Self.insert(ref, into: &healthClaims[backend, default: []]) }
        if !part.warnings.isEmpty { warnedServices.insert(ref) }
    }

    private mutating func unclaim(_ part: ServicePart, by ref: ObjectRef) {
        for key in Set(part.frontends.map(\.key)) {
            let rest = (frontendClaims[key] ?? []).filter { $0 != ref }
            frontendClaims[key] = rest.isEmpty ? nil : rest
        }
        for backend in Set(part.healthChecks.map(\.backend)) {
            let rest = (healthClaims[backend] ?? []).filter { $0 != ref }
            healthClaims[backend] = rest.isEmpty ? nil : rest
        }
        warnedServices.remove(ref)
    }

    /// Claimants stay in name order; most keys have one.
    private static func insert(_ ref: ObjectRef, into claimants: inout [ObjectRef]) {
        claimants.insert(ref, at: claimants.firstIndex { ref < $0 } ?? claimants.endIndex)
    }

    private mutating func release(_ ref: FrontendRef) {
        let holders = (frontendHolders[ref] ?? 1) - 1
        guard holders <= 0 else { frontendHolders[ref] = holders; return }
        frontendHolders[ref] = nil
        if let id = frontends.removeValue(forKey: ref) { frontendIDs.free(id) }
    }

    private mutating func release(_ ref: BackendRef) {
        let holders = (backendHolders[ref] ?? 1) - 1
        guard holders <= 0 else { backendHolders[ref] = holders; return }
        backendHolders[ref] = nil
        if let id = backends.removeValue(forKey: ref) { backendIDs.free(id) }
    }

    /// Keeps the ids the datapath uses (frontend key -> service id, backend -> backend id)
    /// for their frontends and backends through the next plan; ids held here already stay.
    public mutating func reserve(frontends kernel: [sluice_service_key: UInt32], backends kernelBackends: [BackendRef: UInt32]) {
        let held = Set(frontends.values)
        // A service id has several keys (a node port's, besides the cluster IP's): reserved once.
        var taken: Set<UInt32> = []
        for (key, id) in kernel where !held.contains(id) && (taken.contains(id) || frontendIDs.reserve(id)) {
            taken.insert(id)
            reservedFrontends[key] = id
        }
        let heldBackends = Set(backends.values)
        for (ref, id) in kernelBackends where !heldBackends.contains(id) && backendIDs.reserve(id) { reservedBackends[ref] = id }
    }

    /// Frees the reserved ids no plan claimed.
    mutating func endReservations() {
        guard !reservedFrontends.isEmpty || !reservedBackends.isEmpty else { return }
        for id in Set(reservedFrontends.values) where !claimedFrontendIDs.contains(id) { frontendIDs.free(id) }
        for id in reservedBackends.values { backendIDs.free(id) }
        reservedFrontends = [:]
        reservedBackends = [:]
        claimedFrontendIDs = []
    }

    /// The id of `ref`, whose first frontend key is `key`, or nil when every id is taken.
    mutating func id(of ref: FrontendRef, key: sluice_service_key) -> UInt32? {
        if let id = frontends[ref] { return id }
        // An id the kernel gave two keys (a node port's too) goes to the first to claim it.
        if let id = reservedFrontends.removeValue(forKey: key), claimedFrontendIDs.insert(id).inserted {
            frontends[ref] = id
            return id
        }
        guard let id = frontendIDs.take() else { return nil }
        frontends[ref] = id
        return id
    }

    mutating func id(of ref: BackendRef) -> UInt32? {
        if let id = backends[ref] { return id }
        if let id = reservedBackends.removeValue(forKey: ref) {
            backends[ref] = id
            return id
        }
        guard let id = backendIDs.take() else { return nil }
        backends[ref] = id
        return id
    }
}

extension ServiceAllocations: Equatable {
    /// Ids decide equality; the pools follow from them.
    public static func == (lhs: ServiceAllocations, rhs: ServiceAllocations) -> Bool {
        lhs.frontends == rhs.frontends && lhs.backends == rhs.backends
    }
}

/// Dense ids 1 ..< limit, handed out round-robin so a freed id waits as long as possible.
struct IDPool: Sendable {
    let limit: UInt32
    private var next: UInt32 = 1
    private var used: Set<UInt32> = []

    init(limit: UInt32) {
        self.limit = limit
    }

    mutating func take() -> UInt32? {
        guard used.count < Int(limit) - 1 else { return nil }
        while used.contains(next) {
            next = next + 1 < limit ? next + 1 : 1
        }
        let id = next
        used.insert(id)
        next = next + 1 < limit ? next + 1 : 1
        return id
    }

    mutating func free(_ id: UInt32) {
        used.remove(id)
    }

    /// Takes `id` out of the pool for a later owner; false when it is out of range or used.
    mutating func reserve(_ id: UInt32) -> Bool {
        guard id >= 1 && id < limit else { return false }
        return used.insert(id).inserted
    }
}
