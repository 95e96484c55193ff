import CSluiceBPF

/// Service and backend ids, kept from one plan to the next so that a change touches only the
/// entries it must, and the Maglev tables already built, so that an unchanged service costs
/// nothing to plan again.
///
/// Ids index the datapath's arrays, so they are dense (1 ... max - 1). A freed id is handed out
/// again only after every other free id was: counters and affinities of a deleted service are
/// long gone (the agent zeroes a reused id's counters) before its number returns.
public struct ServiceAllocations: Sendable {
    public private(set) var frontends: [FrontendRef: UInt32] = [:]
    public private(set) var backends: [BackendRef: UInt32] = [:]
    private var frontendIDs = IDPool(limit: UInt32(SLUICE_SERVICES_MAX))
    private var backendIDs = IDPool(limit: UInt32(SLUICE_BACKENDS_MAX))

    struct TableKey: Hashable {
        var members: [Member]
        var size: Int

        struct Member: Hashable {
            var id: UInt32
            var identity: [UInt8]
            var weight: UInt32
        }
    }

    private var tables: [TableKey: MaglevTable] = [:]
    private var tablesUsed: Set<TableKey> = []

    public init() {}

    /// The id of `ref`, or nil when every id is taken.
    mutating func id(of ref: FrontendRef) -> UInt32? {
        if let id = frontends[ref] { return id }
        guard let id = frontendIDs.take() else { return nil }
        frontends[ref] = id
        return id
    }

    mutating func id(of ref: BackendRef) -> UInt32? {
        if let id = backends[ref] { return id }
        guard let id = backendIDs.take() else { return nil }
        backends[ref] = id
        return id
    }

    /// The table of `key`, built once and reused while some plan needs it.
    mutating func table(_ key: TableKey) -> MaglevTable {
        tablesUsed.insert(key)
        if let table = tables[key] { return table }
        let backends = key.members.map { Maglev.Backend(identity: $0.identity, weight: $0.weight) }
        let table = MaglevTable(slots: Maglev.table(backends, size: key.size).map { key.members[$0].id })
        tables[key] = table
        return table
    }

    /// Forgets what the latest plan did not use.
    mutating func retain(frontends live: Set<FrontendRef>, backends liveBackends: Set<BackendRef>) {
        for (ref, id) in frontends where !live.contains(ref) {
            frontends[ref] = nil
            frontendIDs.free(id)
        }
        for (ref, id) in backends where !liveBackends.contains(ref) {
            backends[ref] = nil
            backendIDs.free(id)
        }
        tables = tables.filter { tablesUsed.contains($0.key) }
        tablesUsed = []
    }
}

extension ServiceAllocations: Equatable {
    /// Ids decide equality; the table cache is a cache.
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
}
