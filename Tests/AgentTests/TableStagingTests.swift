@testable import Agent
import BPF
import CSluiceBPF
import Planner
import Testing

/// Which tables a sync writes provisional: past its budget of full tables, only services with
/// no table or a provisional one; a full table is only ever replaced by a full one.
struct TableStagingTests {
    static let fullSize = Int(SLUICE_MAGLEV_DEFAULT_SIZE)

    static func table(_ service: UInt32, backends: ClosedRange<UInt32> = 1...3, size: Int = fullSize) -> MaglevTable {
        MaglevTable(members: backends.map { backend in
            MaglevTable.Member(id: service * 100 + backend, identity: [4, 10, UInt8(service), UInt8(backend >> 8), UInt8(backend & 0xff)], weight: 1)
        }, size: size)
    }

    /// Services `ids`, each with one frontend (port = id) and the table `table(id)` gives.
    static func plan(_ ids: some Sequence<UInt32>, table: (UInt32) -> MaglevTable? = { Self.table($0) }) -> PlannedServices {
        var plan = PlannedServices()
        for id in ids {
            var key = zeroed(sluice_service_key.self)
            key.port = UInt16(id).bigEndian
            var value = zeroed(sluice_service_value.self)
            value.service_id = id
            value.table_size = UInt32(fullSize)
            plan.frontends[key] = value
            plan.tables[id] = table(id)
        }
        return plan
    }

    /// What a sync of a plan changed at `ids` looks at: their tables and frontends.
    static func touching(_ ids: [UInt32]) -> ServiceDelta {
        var delta = ServiceDelta(base: 0)
        for id in ids {
            delta.tables.insert(id)
            var key = zeroed(sluice_service_key.self)
            key.port = UInt16(id).bigEndian
            delta.frontends.insert(key)
        }
        return delta
    }

    static func stage(_ planned: PlannedServices, current: PlannedServices = PlannedServices(),
                      touched: ServiceDelta? = nil, budget: Int) -> ServiceSync.StagedPlan {
        let ids = touched.map { Array($0.tables) } ?? Array(Set(planned.tables.keys).union(current.tables.keys))
        return ServiceSync.stage(planned, current: current, touched: touched, ids: ids,
                                 currentHasProvisional: current.tables.values.contains {
                                     $0.size == ServiceSync.provisionalTableSize
                                 },
                                 budget: budget)
    }

    static func tableSize(of id: UInt32, in plan: PlannedServices) -> UInt32? {
        plan.frontends.first { $0.value.service_id == id }?.value.table_size
    }

    @Test func newServicesPastTheBudgetStartOnProvisionalTablesOfTheSameMembers() {
        let planned = Self.plan(1...10)
        let staged = Self.stage(planned, budget: 4)
        #expect(staged.staged == Set(5...10))
        for id in UInt32(1)...10 {
            let written = staged.written.tables[id]
            if id <= 4 {
                #expect(written == planned.tables[id])
                #expect(Self.tableSize(of: id, in: staged.written) == UInt32(Self.fullSize))
            } else {
                #expect(written?.size == ServiceSync.provisionalTableSize)
                #expect(written?.members == planned.tables[id]?.members)
                // The frontend names the size of the table it reads, or slots past it would be read.
                #expect(Self.tableSize(of: id, in: staged.written) == UInt32(ServiceSync.provisionalTableSize))
            }
        }
    }

    @Test func replacingAFullOrUnknownTableIsAlwaysFullAndUsesTheBudget() {
        let planned = Self.plan(1...6)
        // 1 and 2 hold full tables of other members, 3 one the agent could not identify.
        var current = Self.plan(1...3) { id in id == 3 ? ServiceSync.unknownTable : Self.table(id, backends: 1...2) }
        current.tables[3] = ServiceSync.unknownTable
        let staged = Self.stage(planned, current: current, budget: 4)
        #expect(staged.staged == Set([5, 6]), "three replacements leave one full table for 4..6")
        #expect(staged.written.tables[1] == planned.tables[1] && staged.written.tables[3] == planned.tables[3])
        let none = Self.stage(planned, current: current, budget: 0)
        #expect(none.staged == Set([4, 5, 6]))
        #expect(none.written.tables[2] == planned.tables[2], "a full table is never replaced by a provisional one")
    }

    @Test func laterPassesReplaceProvisionalTablesInIdOrder() {
        let planned = Self.plan(1...10)
        let first = Self.stage(planned, budget: 4)
        let second = Self.stage(planned, current: first.written, budget: 4)
        #expect(second.staged == Set(9...10))
        // Services already full cost nothing: 5...8 get the budget.
        for id in UInt32(5)...8 { #expect(second.written.tables[id] == planned.tables[id]) }
        // A provisional table of unchanged members is left as it is.
        #expect(second.written.tables[9] == first.written.tables[9])
        let third = Self.stage(planned, current: second.written, budget: 4)
        #expect(third.staged.isEmpty && third.written == planned)
    }

    @Test func aProvisionalServiceWhoseMembersChangedGetsTheNewMembers() {
        let first = Self.stage(Self.plan(1...3), budget: 0)
        let edited = Self.plan(1...3) { Self.table($0, backends: 2...4) }
        let second = Self.stage(edited, current: first.written, budget: 1)
        #expect(second.written.tables[1] == edited.tables[1])
        #expect(second.written.tables[2]?.members == edited.tables[2]?.members)
        #expect(second.written.tables[2]?.size == ServiceSync.provisionalTableSize)
    }

    @Test func tablesTooSmallOrWithTooManyMembersAreNeverStaged() {
        let small = Self.plan(1...2) { Self.table($0, size: 509) }
        #expect(Self.stage(small, budget: 0).staged.isEmpty)
        let crowded = Self.plan(1...1) { Self.table($0, backends: 1...UInt32(ServiceSync.provisionalTableSize)) }
        #expect(Self.stage(crowded, budget: 0).staged.isEmpty)
    }

    /// A sync of a few services (a file edited while others wait for their full tables) writes
    /// what their plans say and leaves the provisional tables and frontends of the rest.
    @Test func aSyncOfOtherServicesKeepsTheProvisionalOnes() {
        let first = Self.stage(Self.plan(1...4), budget: 1)
        #expect(first.staged == Set(2...4))
        var edited = Self.plan(1...5)
        edited.tables[1] = Self.table(1, backends: 1...2)
        let second = Self.stage(edited, current: first.written, touched: Self.touching([1, 5]), budget: 1)
        #expect(second.staged == [5], "the new service past the budget")
        #expect(second.written.tables[1] == edited.tables[1])
        for id in UInt32(2)...4 {
            #expect(second.written.tables[id] == first.written.tables[id], "service \(id) stays provisional")
            #expect(Self.tableSize(of: id, in: second.written) == UInt32(ServiceSync.provisionalTableSize))
        }
        #expect(Self.tableSize(of: 5, in: second.written) == UInt32(ServiceSync.provisionalTableSize))
        // The upgrade pass after it: services 2 and 3 (budget 2) get full tables and sizes.
        let third = Self.stage(edited, current: second.written, touched: Self.touching([2, 3]), budget: 2)
        #expect(third.staged.isEmpty)
        for id in UInt32(2)...3 {
            #expect(third.written.tables[id] == edited.tables[id])
            #expect(Self.tableSize(of: id, in: third.written) == UInt32(Self.fullSize))
        }
        #expect(third.written.tables[4] == first.written.tables[4] && third.written.tables[5] == second.written.tables[5])
    }

    /// A restarted agent knows a provisional table an earlier one stamped, and upgrades it in
    /// its passes instead of treating it as unknown (rewritten full in its first sync).
    @Test func aStampNamesTheFullTableOrItsProvisionalStandIn() {
        let planned = Self.table(1)
        let standIn = ServiceSync.provisional(planned)
        #expect(ServiceSync.stampedTable(planned.digest, planned: planned) == planned)
        #expect(ServiceSync.stampedTable(standIn.digest, planned: planned) == standIn)
        #expect(ServiceSync.stampedTable(Self.table(1, backends: 1...2).digest, planned: planned) == nil)
        let provisionalOfOthers = ServiceSync.provisional(Self.table(1, backends: 2...4))
        #expect(ServiceSync.stampedTable(provisionalOfOthers.digest, planned: planned) == nil)
    }
}
