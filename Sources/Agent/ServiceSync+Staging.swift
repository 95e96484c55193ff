import BPF
import CSluiceBPF
import HashTreeCollections
import Planner

/// Staged tables: a sync builds at most `tablesPerSync` full-size Maglev tables. A service
/// beyond that which has no table yet (thousands of services loaded at once) starts on a
/// provisional table: Maglev over the same members at `provisionalTableSize`, about a
/// sixteenth of the work, so every service balances within the first sync. The passes that
/// follow the sync swap in full tables, `tablesPerSync` at a time, until none is left.
///
/// A table a service already has (full, or unknown after a restart) is only ever replaced by
/// a full one: removing one backend there must move only that backend's flows. A provisional
/// table has no such flows to keep: it lived for a few passes.
extension ServiceSync {
    /// A prime whose table fits one page (two slots to an 8-byte element).
    static let provisionalTableSize = 1021

    /// What this sync writes of `planned`: the tables and frontends of the services `staged`
    /// at provisional size, everything else as planned.
    struct StagedPlan {
        var written: PlannedServices
        /// Services this sync writes provisional tables for.
        var staged: Set<UInt32>
    }

    /// Decides which of the tables the sync looks at (`ids`: `touched`'s, or all when it is
    /// nil) are written provisional, given what the maps hold (`current`): in id order, full
    /// tables while `budget` lasts, after the replacements of full or unknown tables, which are
    /// always full. While some service is on a provisional table (`current` has one), the
    /// written tables and frontends outside `touched` are the current ones: the plan has those
    /// full.
    static func stage(_ planned: PlannedServices, current: PlannedServices, touched: ServiceDelta?, ids: [UInt32],
                      currentHasProvisional: Bool, budget: Int) -> StagedPlan {
        let staged = staged(planned, current: current, ids: ids, budget: budget)
        var written = planned
        if let touched, currentHasProvisional || !staged.isEmpty {
            written.tables = current.tables
            for id in touched.tables {
                written.tables[id] = staged.contains(id) ? planned.tables[id].map(provisional) : planned.tables[id]
            }
            written.frontends = current.frontends
            for key in touched.frontends {
                written.frontends[key] = planned.frontends[key].map { sized($0, tables: written.tables) }
            }
        } else if !staged.isEmpty {
            for id in staged { written.tables[id] = planned.tables[id].map(provisional) }
            for (key, value) in planned.frontends where staged.contains(value.service_id) {
                written.frontends[key] = sized(value, tables: written.tables)
            }
        }
        return StagedPlan(written: written, staged: staged)
    }

    /// The services among `ids` whose table is written provisional.
    private static func staged(_ planned: PlannedServices, current: PlannedServices, ids: [UInt32],
                               budget: Int) -> Set<UInt32> {
        var remaining = budget
        var eligible: [UInt32] = []
        for id in ids {
            guard let table = planned.tables[id], table.size > provisionalTableSize,
                  table.members.count < provisionalTableSize else { continue }
            let held = current.tables[id]
            if let held, !isProvisional(held, of: table) {
                if held != table { remaining -= 1 }
            } else if held != table {
                eligible.append(id)
            }
        }
        eligible.sort()
        return Set(eligible.dropFirst(max(0, remaining)))
    }

    /// `frontend` naming the size of the table written for its service: the datapath reads
    /// slot `hash % table_size`, which must be one of that table's.
    private static func sized(_ frontend: sluice_service_value, tables: TreeDictionary<UInt32, MaglevTable>)
        -> sluice_service_value {
        guard let table = tables[frontend.service_id], table.size == provisionalTableSize,
              Int(frontend.table_size) > provisionalTableSize else { return frontend }
        var value = frontend
        value.table_size = UInt32(provisionalTableSize)
        return value
    }

    /// Swaps in the next `tablesPerSync` full tables of services on provisional ones. False
    /// when none waits.
    func upgradeProvisionalTables() throws(BPFError) -> Bool {
        guard !provisionalTables.isEmpty, let plan = lastPlanned else { return false }
        try sync(plan, readBack: false, upgrading: true)
        if provisionalTables.isEmpty { logger.info("every provisional Maglev table replaced by its full one") }
        return true
    }

    /// The tables and frontends of the next `tablesPerSync` services on provisional tables
    /// (lowest ids first), as `current` holds them.
    func nextProvisionalEntries(in current: PlannedServices) -> ServiceDelta {
        var entries = ServiceDelta(base: 0)
        entries.tables = Set(provisionalTables.sorted().prefix(tablesPerSync ?? provisionalTables.count))
        for (key, value) in current.frontends where entries.tables.contains(value.service_id) {
            entries.frontends.insert(key)
        }
        return entries
    }

    /// Records which services a sync left on provisional tables: `staged` among the tables
    /// it looked at (`among`; nil: all of them).
    func noteProvisional(_ staged: Set<UInt32>, among ids: [UInt32]?) {
        if let ids { provisionalTables.subtract(ids) } else { provisionalTables = [] }
        provisionalTables.formUnion(staged)
        metrics.provisionalTables(provisionalTables.count)
    }

    /// The table a stamp's digest names, for a service planned to have `planned`: the planned
    /// table itself or its provisional stand-in; nil for anything else.
    static func stampedTable(_ digest: UInt64, planned: MaglevTable) -> MaglevTable? {
        if digest == planned.digest { return planned }
        let stand = provisional(planned)
        return digest == stand.digest && planned.size > provisionalTableSize ? stand : nil
    }

    /// `table`'s members at the provisional size.
    static func provisional(_ table: MaglevTable) -> MaglevTable {
        MaglevTable(members: table.members, size: provisionalTableSize)
    }

    /// Whether `held` is the provisional stand-in for a table of `planned`'s size.
    static func isProvisional(_ held: MaglevTable, of planned: MaglevTable) -> Bool {
        held.size == provisionalTableSize && planned.size > provisionalTableSize
    }
}
